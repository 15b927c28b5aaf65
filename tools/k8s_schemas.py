"""The JSON schemas kubeconform validates deploy/k8s against, made offline from registry packages (make k8s-tools).

    python tools/k8s_schemas.py --out .run/k8s-schemas

Writes, under --out:
- kubernetes/<kind>-<group>-<version>.json: the Kubernetes API's schemas (v1.34, strict: unknown fields are
  errors), from the PyPI package kubernetes-validate, whose per-kind files refer into one shared definitions file;
  each is made standalone here (the definitions it reaches copied into its own `$defs`), as kubeconform loads one
  file per kind;
- crds/<group>/<kind>_<version>.json: CloudNativePG's custom resources, from the CRDs in its Go module
  (config/crd/bases), converted by the openapi2jsonschema script that kubeconform's Go module ships (scripts/).

Strimzi's CRDs are in no package these registries serve (its Maven artifacts hold Java classes only): the tests
check its resources structurally instead (tests/deploy/test_k8s.py).

Idempotent: a stamp naming the versions is written last, and a folder with a matching stamp is left alone.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

KUBERNETES_VALIDATE = "kubernetes-validate==1.37.0"
KUBERNETES_VALIDATE_SHA256 = "85136d018a27b50ec7fc049d902bfa5193f5976807e6c0f408e3ab6fe078cad9"
KUBERNETES_VERSION = "v1.34.0"
CNPG_MODULE = "github.com/cloudnative-pg/cloudnative-pg@v1.27.1"
KUBECONFORM_MODULE = "github.com/yannh/kubeconform@v0.7.0"
STAMP = json.dumps({"kubernetes": [KUBERNETES_VALIDATE, KUBERNETES_VERSION], "crds": [CNPG_MODULE, KUBECONFORM_MODULE]})

SHARED_REF = re.compile(r"^/api/_definitions\.json#/\$defs/(.+)$")


def download_wheel(pip: list[str], folder: Path) -> Path:
    """kubernetes-validate's wheel, checked against its pinned digest."""
    subprocess.run(  # noqa: S603 - pip with our own arguments
        [*pip, "download", "--quiet", "--no-deps", "--only-binary=:all:", "-d", str(folder), KUBERNETES_VALIDATE],
        check=True,
    )
    (wheel,) = folder.glob("kubernetes_validate-*.whl")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != KUBERNETES_VALIDATE_SHA256:
        raise SystemExit(f"{wheel.name}: sha256 {digest}, expected {KUBERNETES_VALIDATE_SHA256}")
    return wheel


def _refs(node: Any) -> set[str]:
    """Every definition name a schema fragment refers to, whether by the shared file's path or by `#/$defs/`."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                found.add(value.rsplit("/", 1)[-1])
            else:
                found |= _refs(value)
    elif isinstance(node, list):
        for item in node:
            found |= _refs(item)
    return found


def _local_refs(node: Any) -> Any:
    """The fragment with references into the shared file turned into references to the document's own `$defs`."""
    if isinstance(node, dict):
        return {
            key: (
                SHARED_REF.sub(r"#/$defs/\1", value) if key == "$ref" and isinstance(value, str) else _local_refs(value)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_local_refs(item) for item in node]
    return node


def standalone(schema: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    """A kind's schema with every definition it reaches, directly or not, in its own `$defs`."""
    needed: set[str] = set()
    pending = _refs(schema)
    while pending:
        name = pending.pop()
        if name not in needed:
            needed.add(name)
            pending |= _refs(definitions[name]) - needed
    document: dict[str, Any] = _local_refs(schema)
    document["$defs"] = {name: _local_refs(definitions[name]) for name in sorted(needed)}
    return document


def kubernetes_schemas(wheel: Path, out: Path) -> int:
    """Write the standalone strict schema of every kind of the Kubernetes version; returns how many."""
    prefix = f"kubernetes_validate/kubernetes-json-schema/{KUBERNETES_VERSION}-local-strict/"
    out.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as archive:
        definitions = json.loads(archive.read(prefix + "_definitions.json"))["$defs"]
        written = 0
        for name in archive.namelist():
            file = name.removeprefix(prefix)
            if not name.startswith(prefix) or file.startswith(("_", "all.")) or not file.endswith(".json"):
                continue
            schema = json.loads(archive.read(name))
            # Only the kinds a manifest can name (they declare apiVersion and kind); parts such as a pod's spec
            # are reached through them.
            if not {"apiVersion", "kind"} <= set(schema.get("properties", {})):
                continue
            (out / file).write_text(json.dumps(standalone(schema, definitions)), encoding="utf-8")
            written += 1
    return written


def module_zip(go: str, module: str) -> Path:
    """A Go module's zip from the module proxy (the Go module cache keeps it)."""
    result = subprocess.run(  # noqa: S603 - the go tool with our own arguments
        [go, "mod", "download", "-json", module], check=True, capture_output=True, text=True
    )
    return Path(json.loads(result.stdout)["Zip"])


def crd_schemas(go: str, out: Path, scratch: Path) -> int:
    """Convert CloudNativePG's CRDs with kubeconform's openapi2jsonschema; returns how many files it wrote."""
    with zipfile.ZipFile(module_zip(go, KUBECONFORM_MODULE)) as archive:
        converter = scratch / "openapi2jsonschema.py"
        converter.write_bytes(archive.read(f"{KUBECONFORM_MODULE}/scripts/openapi2jsonschema.py"))
    crds: list[Path] = []
    with zipfile.ZipFile(module_zip(go, CNPG_MODULE)) as archive:
        for name in archive.namelist():
            if name.startswith(f"{CNPG_MODULE}/config/crd/bases/") and name.endswith(".yaml"):
                crds.append(scratch / Path(name).name)
                crds[-1].write_bytes(archive.read(name))
    target = out / "postgresql.cnpg.io"
    target.mkdir(parents=True, exist_ok=True)
    # The converter writes into its working folder; the root's unknown fields are errors too (strict, as for the
    # Kubernetes kinds).
    subprocess.run(  # noqa: S603 - our interpreter running the converter on files we wrote
        [sys.executable, str(converter), *map(str, sorted(crds))],
        check=True,
        cwd=target,
        env={**os.environ, "DENY_ROOT_ADDITIONAL_PROPERTIES": "1"},
        stdout=subprocess.DEVNULL,
    )
    return len(list(target.glob("*.json")))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / ".run" / "k8s-schemas")
    parser.add_argument("--go", default=os.environ.get("GO", "/usr/local/go/bin/go"), help="the go tool")
    parser.add_argument(
        "--pip", default=str(REPO / ".tools" / "bin" / "pip"), help="a pip to download the PyPI package with"
    )
    args = parser.parse_args()
    stamp = args.out / "stamp.json"
    if stamp.exists() and stamp.read_text(encoding="utf-8") == STAMP:
        print(f"schemas up to date in {args.out}")
        return 0
    shutil.rmtree(args.out, ignore_errors=True)
    with tempfile.TemporaryDirectory() as scratch:
        wheel = download_wheel([args.pip], Path(scratch))
        kinds = kubernetes_schemas(wheel, args.out / "kubernetes")
        crds = crd_schemas(args.go, args.out / "crds", Path(scratch))
    stamp.write_text(STAMP, encoding="utf-8")
    print(f"{kinds} Kubernetes kinds ({KUBERNETES_VERSION}) and {crds} CloudNativePG schemas in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
