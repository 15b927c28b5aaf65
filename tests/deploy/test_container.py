"""The container image and the single-host compose file (deploy/container), checked without a container engine.

The image itself is built by `make image` (minutes, so not here); these tests read the Containerfile, the build
context's ignore file, compose.yaml and its Prometheus configuration, and run the image's entry point's functions.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import io
import json
import re
import shlex
import tarfile
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.mesh import load_mesh
from hub.metrics_scrape import scrape_config

# PyYAML ships no type stubs and the lock holds none: read as Any rather than silencing mypy for the whole file.
yaml: Any = importlib.import_module("yaml")

REPO = Path(__file__).resolve().parents[2]
HERE = REPO / "deploy" / "container"
MESH = load_mesh()
# What compiles, builds or installs Python packages: none of it may reach the image that runs.
BUILD_TOOLS = re.compile(r"\b(gcc|g\+\+|clang|make|build-essential|[\w.+-]+-dev|python3(\.\d+)?-(venv|pip)|uv|pip)\b")


def _entrypoint() -> ModuleType:
    spec = importlib.util.spec_from_file_location("hub_container_entrypoint", HERE / "entrypoint.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ENTRYPOINT = _entrypoint()


# --- the Containerfile ------------------------------------------------------------------------------------------


def _instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Containerfile, continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))
    return [(line.split()[0].upper(), line.split(maxsplit=1)[1]) for line in joined.splitlines() if line.strip()]


def _stages(text: str) -> tuple[dict[str, str], dict[str, list[tuple[str, str]]], list[str]]:
    """The global ARG defaults, each stage's instructions by name, and the stages in order."""
    args: dict[str, str] = {}
    stages: dict[str, list[tuple[str, str]]] = {}
    order: list[str] = []
    for instruction, rest in _instructions(text):
        if instruction == "FROM":
            words = rest.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else f"stage{len(order)}"
            order.append(name)
            stages[name] = [("FROM", words[0])]
        elif order:
            stages[order[-1]].append((instruction, rest))
        elif instruction == "ARG" and "=" in rest:
            key, value = rest.split("=", 1)
            args[key] = value
    return args, stages, order


CONTAINERFILE = (HERE / "Containerfile").read_text(encoding="utf-8")
ARGS, STAGES, ORDER = _stages(CONTAINERFILE)


def _lineage(stage: str) -> list[str]:
    """The stage and every stage it is built FROM, nearest first."""
    chain = [stage]
    while (parent := STAGES[chain[-1]][0][1]) in STAGES:
        chain.append(parent)
    return chain


def test_image_is_built_in_stages_and_the_final_one_has_no_build_tools() -> None:
    assert len(ORDER) >= 2, "a single stage would ship its build tools"
    final = _lineage(ORDER[-1])
    assert "builder" not in final, "the runtime must not be built FROM the builder"
    for stage in final:
        for instruction, rest in STAGES[stage]:
            if instruction == "RUN":
                assert not BUILD_TOOLS.search(rest), f"stage {stage} runs build tooling: {rest}"
            if instruction == "COPY":
                assert "with-build-ca" not in rest, f"stage {stage} copies: {rest}"
                assert "/opt/uv" not in rest, f"stage {stage} copies: {rest}"
                source = re.search(r"--from=(\S+)\s+(\S+)", rest)
                if source:
                    assert source.group(2).startswith("/app/"), f"only the venv and sources come over: {rest}"


def test_the_builder_installs_from_the_lock_frozen_without_dev_and_vendors_echarts() -> None:
    runs = " ".join(rest for stage in ORDER for instruction, rest in STAGES[stage] if instruction == "RUN")
    syncs = re.findall(r"uv sync[^&;]*", runs)
    assert syncs, "the virtualenv must come from uv.lock"
    for sync in syncs:
        assert "--frozen" in sync, sync
        assert "--no-dev" in sync, sync
    assert "tools/vendor_echarts.py" in runs, "the console's ECharts must be vendored by the build"


def test_image_runs_as_an_unprivileged_user_A28_1() -> None:
    users = [rest for instruction, rest in STAGES[ORDER[-1]] if instruction == "USER"]
    assert users, "the final stage must name its USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}, users[-1]


def test_base_image_is_pinned_by_digest_or_an_exact_tag() -> None:
    first = STAGES[ORDER[0]][0][1]
    reference = re.sub(r"\$\{(\w+)\}", lambda m: ARGS[m.group(1)], first)
    if "@sha256:" in reference:
        assert re.search(r"@sha256:[0-9a-f]{64}$", reference), reference
        return
    tag = reference.rsplit(":", 1)[-1]
    assert "/" not in tag, f"{reference}: no tag"
    assert tag != "latest", reference
    assert re.search(r"\d{8}|\d+\.\d+\.\d+", tag), f"{reference}: a moving tag, not a dated or exact version"


# --- the build context ------------------------------------------------------------------------------------------


def _ignored(path: str, patterns: list[str]) -> bool:
    """Whether docker/podman leave `path` out of the context: the last pattern matching it or a parent decides."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for pattern in patterns:
        glob = pattern.removeprefix("!").rstrip("/")
        globs = [glob[3:], "*/" + glob[3:]] if glob.startswith("**/") else [glob]
        if any(fnmatch.fnmatchcase(prefix, g) for prefix in prefixes for g in globs):
            ignored = not pattern.startswith("!")
    return ignored


IGNORE = [
    line.strip()
    for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
]


@pytest.mark.parametrize(
    "path",
    [".git/config", ".venv/bin/python", ".run/keys/admin-password", ".tools/bin/uv", "tests/conftest.py",
     "deploy/container/secrets/postgres-password", "deploy/container/.env", "libs/hub/__pycache__/mesh.cpython-311.pyc",
     "gateway/gateway/console/vendor/echarts.min.js"],
)  # fmt: skip
def test_build_context_leaves_out_local_state_and_secrets_A28_1(path: str) -> None:
    assert _ignored(path, IGNORE), f"{path} would be sent to the builder"


def test_build_context_holds_everything_the_containerfile_copies() -> None:
    for stage in ORDER:
        for instruction, rest in STAGES[stage]:
            if instruction != "COPY" or "--from=" in rest:
                continue
            for source in [word for word in rest.split()[:-1] if not word.startswith("--")]:
                assert (REPO / source).exists(), source
                assert not _ignored(source.rstrip("/"), IGNORE), f"the Containerfile copies {source}, which is ignored"


# --- compose.yaml -----------------------------------------------------------------------------------------------

COMPOSE: dict[str, Any] = yaml.safe_load((HERE / "compose.yaml").read_text(encoding="utf-8"))
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]


@pytest.mark.parametrize("name", list(MESH.services))
def test_every_mesh_service_runs_healthy_after_migrations_and_its_servers(name: str) -> None:
    service = SERVICES[name]
    assert service["environment"]["HUB_SERVICE"] == name
    assert "/readyz" in service["healthcheck"]["test"]
    conditions = {dependency: spec["condition"] for dependency, spec in service["depends_on"].items()}
    assert conditions["migrate"] == "service_completed_successfully"
    assert conditions["postgres"] == "service_healthy"
    assert conditions["kafka"] == "service_healthy"


@pytest.mark.parametrize("name", list(MESH.services))
def test_every_service_is_given_the_secret_files_its_environment_names(name: str) -> None:
    mounted = {f"/run/secrets/{secret}" for secret in SERVICES[name].get("secrets", [])}
    named = {value for key, value in SERVICES[name]["environment"].items() if key.endswith("_FILE")}
    assert named <= mounted, f"{name} reads {named - mounted}, which are not mounted"


def test_only_the_gateway_publishes_a_port_and_at_its_mesh_port_A12_1() -> None:
    publishing = sorted(name for name, service in SERVICES.items() if service.get("ports"))
    assert publishing == ["gateway"]
    (published,) = SERVICES["gateway"]["ports"]
    assert str(published).rsplit(":", 1)[-1] == str(MESH.service("gateway").port)


def test_gateway_reaches_each_service_at_its_mesh_port_A12_1() -> None:
    upstreams = json.loads(SERVICES["gateway"]["environment"]["HUB_UPSTREAM_URLS"])
    expected = {name: f"http://{name}:{s.port}" for name, s in MESH.services.items() if name != "gateway"}
    assert upstreams == expected


def test_each_service_listens_on_its_mesh_port() -> None:
    for name, declared in MESH.services.items():
        command = ENTRYPOINT.serve_command(name, {"HUB_DATABASE_SERVER_URL": "postgresql://hub@postgres/postgres"})
        assert command[command.index("--port") + 1] == str(declared.port)
        assert f"{declared.package}.app:create_app" in command


def test_migrations_run_once_before_the_services_and_the_admin_after_them() -> None:
    assert SERVICES["migrate"]["command"] == ["migrate"]
    assert SERVICES["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert SERVICES["bootstrap-admin"]["command"] == ["bootstrap-admin"]
    assert SERVICES["bootstrap-admin"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert SERVICES["gateway"]["depends_on"]["bootstrap-admin"]["condition"] == "service_completed_successfully"


def test_kafka_runs_in_kraft_mode_and_postgresql_is_15() -> None:
    kafka = SERVICES["kafka"]
    assert kafka["image"].split(":")[0].endswith("apache/kafka")
    assert set(kafka["environment"]["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert not any("zookeeper" in str(service.get("image")) for service in SERVICES.values())
    assert SERVICES["postgres"]["image"].rsplit(":", 1)[1].startswith("15.")
    assert {"zipkin", "prometheus"} <= set(SERVICES)


def test_every_third_party_image_is_pinned() -> None:
    for name, service in SERVICES.items():
        image = service.get("image", "")
        if image.startswith("${HUB_IMAGE"):
            continue
        tag = image.rsplit(":", 1)[-1]
        assert "@sha256:" in image or re.fullmatch(r"v?\d+\.\d+(\.\d+)?(-[\w.]+)?", tag), f"{name}: {image}"


SECRET_KEYS = re.compile(r"PASSWORD|SECRET|PRIVATE_KEY|PUBLIC_KEYS|TOKEN")


def test_no_secret_value_is_committed_A28_1() -> None:
    for name, service in SERVICES.items():
        for key, value in (service.get("environment") or {}).items():
            if SECRET_KEYS.search(key):
                assert key.endswith("_FILE"), f"{name}: {key} holds a secret value"
                assert str(value).startswith("/run/secrets/"), f"{name}: {key}"
            if "://" in str(value):
                assert urlsplit(str(value)).password is None, f"{name}: {key} holds a password"
    for secret in COMPOSE["secrets"].values():
        assert secret["file"].startswith("./secrets/")
    assert "/secrets/" in (HERE / ".gitignore").read_text(encoding="utf-8").split()
    for path in HERE.rglob("*"):
        if path.is_file() and "secrets" not in path.relative_to(HERE).parts:
            assert "PRIVATE KEY-----" not in path.read_text(encoding="utf-8", errors="replace"), path


def test_prometheus_scrapes_every_service_by_its_compose_name_with_the_hub_rules() -> None:
    targets = {name: [f"{name}:{service.port}"] for name, service in MESH.services.items()}
    expected = scrape_config(targets, rule_files=["rules.yml"])
    assert (HERE / "prometheus.yml").read_text(encoding="utf-8") == expected, (
        "regenerate deploy/container/prometheus.yml with python -m hub.metrics_scrape (its docstring)"
    )
    mounts = SERVICES["prometheus"]["volumes"]
    assert "../prometheus/rules.yml:/etc/prometheus/rules.yml:ro" in mounts
    assert "./prometheus.yml:/etc/prometheus/prometheus.yml:ro" in mounts


# --- the entry point --------------------------------------------------------------------------------------------


def test_secret_files_fill_their_variables_unless_set(tmp_path: Path) -> None:
    (tmp_path / "password").write_text("s3cret\n")
    env = {"DATABASE_PASSWORD_FILE": str(tmp_path / "password"), "KEPT_FILE": str(tmp_path / "password"),
           "KEPT": "given"}  # fmt: skip
    ENTRYPOINT.resolve_secret_files(env)
    assert env["DATABASE_PASSWORD"] == "s3cret"
    assert env["KEPT"] == "given"


def test_an_unreadable_secret_file_stops_with_its_name(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="HUB_BOOTSTRAP_PASSWORD_FILE"):
        ENTRYPOINT.resolve_secret_files({"HUB_BOOTSTRAP_PASSWORD_FILE": str(tmp_path / "missing")})


def test_each_service_gets_its_own_database_with_the_password() -> None:
    env = {"HUB_DATABASE_SERVER_URL": "postgresql://hub@postgres:5432/postgres", "DATABASE_PASSWORD": "p@ss"}
    for name, declared in MESH.services.items():
        assert (
            ENTRYPOINT.service_database_url(env, name) == f"postgresql://hub:p%40ss@postgres:5432/{declared.database}"
        )
    given = {**env, "DATABASE_URL": "postgresql://other@db/elsewhere"}
    assert ENTRYPOINT.service_database_url(given, "catalog") == "postgresql://other:p%40ss@db/elsewhere"


def test_an_undeclared_service_is_refused() -> None:
    with pytest.raises(SystemExit, match="no such service"):
        ENTRYPOINT.chosen_service([], {"HUB_SERVICE": "billing"})


def test_made_secrets_are_a_matching_key_pair_and_passwords() -> None:
    with tarfile.open(fileobj=io.BytesIO(ENTRYPOINT.secrets_tar())) as archive:
        files = {m.name: archive.extractfile(m).read().decode() for m in archive.getmembers()}  # type: ignore[union-attr]
        modes = {m.name: m.mode for m in archive.getmembers()}
    assert {f"./secrets/{name}" for name in files} == {s["file"] for s in COMPOSE["secrets"].values()}
    assert all(mode == 0o644 for mode in modes.values()), "the image's user must be able to read its secrets"
    private = serialization.load_pem_private_key(files["internal-token.pem"].encode(), password=None)
    assert isinstance(private, Ed25519PrivateKey)
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    assert json.loads(files["internal-token-public-keys.json"]) == [public_pem]
    assert len(files["postgres-password"]) >= 24
    assert len(files["admin-password"]) >= 18
    assert shlex.quote(files["postgres-password"]) == files["postgres-password"], "URL- and shell-safe"
