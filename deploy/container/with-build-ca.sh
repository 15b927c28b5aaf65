#!/bin/sh
# Runs a build step's downloads (pip, uv, the npm tarball) trusting the CA bundle given as the build secret
# `ca-bundle`, where one is given: a TLS-inspecting proxy between the builder and the registries needs its CA.
# Used in the builder stage only; nothing of it reaches the image.
set -eu
if [ -s /run/secrets/ca-bundle ]; then
    export SSL_CERT_FILE=/run/secrets/ca-bundle PIP_CERT=/run/secrets/ca-bundle
fi
exec "$@"
