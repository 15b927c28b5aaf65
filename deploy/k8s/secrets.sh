#!/usr/bin/env bash
# Make the Secrets the manifests reference by name (never written in them), in the hub's namespace of the cluster
# kubectl points at. Run once before applying an overlay; it creates only what is missing, so running it again
# changes nothing (to rotate one, delete it first, then restart the pods that read it).
#   deploy/k8s/secrets.sh [NAMESPACE]        (default public-data-hub)
# Needs kubectl, openssl and python3 (3.11+, to read services/mesh.toml).
#   hub-db-<service>     username/password of the service's own PostgreSQL role (kubernetes.io/basic-auth, as
#                        CloudNativePG's managed roles read it: postgres/cluster.yaml)
#   hub-internal-token   the gateway's Ed25519 key pair for internal tokens (A12.1): private-key (the gateway's
#                        only) and public-keys (a JSON list of PEM keys: during a rotation, the old and the new)
#   hub-admin-bootstrap  the city's first administrator's password (the gateway's migration Job)
# Production's object store credentials for backups (hub-backup-s3: ACCESS_KEY_ID, ACCESS_SECRET_KEY) come from
# the store's owner; this script only says whether they are there.
set -euo pipefail

NS="${1:-public-data-hub}"
MESH="$(cd "$(dirname "$0")/../.." && pwd)/services/mesh.toml"

exists() { kubectl -n "$NS" get secret "$1" >/dev/null 2>&1; }

kubectl get namespace "$NS" >/dev/null 2>&1 || kubectl create namespace "$NS"

# Each service's role is named as its database (services/mesh.toml). Hex passwords need no quoting in a URL.
python3 -c 'import sys, tomllib
for name, body in tomllib.load(open(sys.argv[1], "rb"))["services"].items(): print(name, body["database"])' "$MESH" |
while read -r service database; do
    if exists "hub-db-$service"; then
        echo "hub-db-$service exists"
        continue
    fi
    kubectl -n "$NS" create secret generic "hub-db-$service" --type=kubernetes.io/basic-auth \
        --from-literal=username="$database" --from-literal=password="$(openssl rand -hex 24)"
    # CloudNativePG sets the role's password again whenever a secret so labelled changes.
    kubectl -n "$NS" label secret "hub-db-$service" cnpg.io/reload=true
done

if exists hub-internal-token; then
    echo "hub-internal-token exists"
else
    keys="$(mktemp -d)"
    trap 'rm -rf "$keys"' EXIT
    openssl genpkey -algorithm ed25519 -out "$keys/private-key"
    openssl pkey -in "$keys/private-key" -pubout -out "$keys/public.pem"
    python3 -c 'import json, sys; print(json.dumps([open(sys.argv[1]).read()]))' "$keys/public.pem" >"$keys/public-keys"
    kubectl -n "$NS" create secret generic hub-internal-token \
        --from-file=private-key="$keys/private-key" --from-file=public-keys="$keys/public-keys"
fi

if exists hub-admin-bootstrap; then
    echo "hub-admin-bootstrap exists"
else
    kubectl -n "$NS" create secret generic hub-admin-bootstrap --from-literal=password="$(openssl rand -base64 18)"
    echo "the administrator's password: kubectl -n $NS get secret hub-admin-bootstrap -o jsonpath='{.data.password}' | base64 -d"
fi

exists hub-backup-s3 || echo "production: create hub-backup-s3 (ACCESS_KEY_ID, ACCESS_SECRET_KEY) for the backups' object store"
