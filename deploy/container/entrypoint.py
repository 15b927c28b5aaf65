#!/app/.venv/bin/python
"""The hub image's entry point (`hub-container`): one image, the service chosen by command or HUB_SERVICE.

    hub-container serve [SERVICE]       # uvicorn on the service's port of services/mesh.toml (default: HUB_SERVICE)
    hub-container migrate [SERVICE ...] # create each service's database if needed and migrate it to head (all)
    hub-container bootstrap-admin       # the city's first administrator (HUB_ADMIN_LOGIN, HUB_CITY_REGION)
    hub-container probe PATH            # exit 0 if the service's PATH (/healthz, /readyz) answers 200
    hub-container make-secrets          # a tar on stdout: a new database password, admin password, token keys
    hub-container COMMAND ...           # anything else runs as it is (python -m gateway.audit verify …)

Secrets arrive as files (compose `secrets:`, Kubernetes secret volumes), never in the image or its environment
listing: every NAME_FILE variable sets NAME to that file's content unless NAME is set. DATABASE_PASSWORD is put into
the database URLs. A service's database URL is HUB_DATABASE_SERVER_URL with the service's own database from the
mesh (one database per service), unless DATABASE_URL is given outright.
"""

from __future__ import annotations

import asyncio
import importlib
import io
import json
import os
import secrets
import sys
import tarfile
import time
import urllib.error
import urllib.request
from collections.abc import MutableMapping, Sequence
from pathlib import Path

from sqlalchemy.engine import make_url

from hub.internal_token import generate_keypair
from hub.mesh import load_mesh
from hub.migrations import ensure_database, upgrade_to_head

FILE_SUFFIX = "_FILE"


def resolve_secret_files(env: MutableMapping[str, str]) -> None:
    """Set NAME from the file NAME_FILE names, for each such variable whose NAME is not set already."""
    for key in [k for k in env if k.endswith(FILE_SUFFIX) and len(k) > len(FILE_SUFFIX)]:
        name = key.removesuffix(FILE_SUFFIX)
        if not env.get(name):
            try:
                env[name] = Path(env[key]).read_text(encoding="utf-8").rstrip("\n")
            except OSError as exc:
                # A secret mounted unreadable to the image's user (uid 10001) is the usual cause: say so plainly.
                raise SystemExit(f"{key}: cannot read {env[key]}: {exc.strerror}") from None


def with_password(url: str, password: str | None) -> str:
    """The URL with the password set (a URL's own password wins: it was given on purpose)."""
    parsed = make_url(url)
    if password and not parsed.password:
        parsed = parsed.set(password=password)
    return parsed.render_as_string(hide_password=False)


def server_url(env: MutableMapping[str, str]) -> str:
    """The PostgreSQL server every service's database is on, with the password."""
    base = env.get("HUB_DATABASE_SERVER_URL")
    if not base:
        raise SystemExit("HUB_DATABASE_SERVER_URL is not set (postgresql://USER@HOST:PORT/postgres)")
    return with_password(base, env.get("DATABASE_PASSWORD"))


def service_database_url(env: MutableMapping[str, str], service: str) -> str:
    """The service's own database: DATABASE_URL if given, else its database of the mesh on the server."""
    if env.get("DATABASE_URL"):
        return with_password(env["DATABASE_URL"], env.get("DATABASE_PASSWORD"))
    database = load_mesh().service(service).database
    return make_url(server_url(env)).set(database=database).render_as_string(hide_password=False)


def chosen_service(args: Sequence[str], env: MutableMapping[str, str]) -> str:
    """The service named on the command line or by HUB_SERVICE, checked against the mesh."""
    name = args[0] if args else env.get("HUB_SERVICE", "")
    services = load_mesh().services
    if name not in services:
        raise SystemExit(f"no such service {name!r}: one of {', '.join(services)} (argument or HUB_SERVICE)")
    return name


def serve_command(service: str, env: MutableMapping[str, str]) -> list[str]:
    """The uvicorn command line of a service; fills the service's environment in `env`."""
    declaration = load_mesh().service(service)
    env["DATABASE_URL"] = service_database_url(env, service)
    env.setdefault("OTEL_SERVICE_NAME", service)
    port = env.get("HUB_PORT") or str(declaration.port)
    return [
        sys.executable, "-m", "uvicorn", f"{declaration.package}.app:create_app", "--factory",
        "--host", env.get("HUB_BIND", "0.0.0.0"), "--port", port, "--no-access-log",
        # The gateway believes X-Forwarded-For from HUB_TRUSTED_PROXIES only (gateway.routing.forwarded).
        "--no-proxy-headers",
    ]  # fmt: skip


async def migrate(env: MutableMapping[str, str], names: Sequence[str]) -> None:
    """Create each named service's database if needed and bring it to the newest migration."""
    mesh = load_mesh()
    for name in names or list(mesh.services):
        service = mesh.service(name)
        package = importlib.import_module(service.package)
        assert package.__file__
        url = service_database_url({**env, "DATABASE_URL": ""}, name)
        await ensure_database(url)
        await upgrade_to_head(Path(package.__file__).parent / "migrations", url)
        print(f"migrated {name} ({service.database})", flush=True)


def probe(env: MutableMapping[str, str], path: str) -> int:
    """0 if the service's PATH answers 200 on its port, 1 otherwise (a container health check)."""
    port = env.get("HUB_PORT") or str(load_mesh().service(chosen_service([], env)).port)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return 1


def secrets_tar() -> bytes:
    """New secrets as a tar (compose reads them from deploy/container/secrets/): readable by the image's user."""
    private_pem, public_pem = generate_keypair()
    files = {
        "postgres-password": secrets.token_urlsafe(24),
        "admin-password": secrets.token_urlsafe(18),
        "internal-token.pem": private_pem,
        # A JSON list: during a key rotation the services accept the old and the new key.
        "internal-token-public-keys.json": json.dumps([public_pem]),
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, text in files.items():
            data = text.encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, int(time.time())
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def main(argv: Sequence[str]) -> int:
    """Run the command; `serve` and unknown commands replace this process."""
    env = os.environ
    resolve_secret_files(env)
    command, args = (argv[0], list(argv[1:])) if argv else ("serve", [])
    if command == "serve":
        service = chosen_service(args, env)
        line = serve_command(service, env)
        env.pop("DATABASE_PASSWORD", None)
        os.execvpe(line[0], line, env)  # noqa: S606 - our own interpreter and arguments
    if command == "migrate":
        asyncio.run(migrate(env, args))
        return 0
    if command == "bootstrap-admin":
        env["DATABASE_URL"] = service_database_url(env, "gateway")
        login, region = env.get("HUB_ADMIN_LOGIN", "admin"), env.get("HUB_CITY_REGION", "320200")
        line = [sys.executable, "-m", "gateway.identities", "bootstrap-admin", "--login", login, "--region", region]
        os.execvpe(line[0], line, env)  # noqa: S606 - our own interpreter and arguments
    if command == "probe":
        return probe(env, args[0] if args else "/healthz")
    if command == "make-secrets":
        sys.stdout.buffer.write(secrets_tar())
        return 0
    os.execvpe(command, [command, *args], env)  # noqa: S606 - the operator's own command


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
