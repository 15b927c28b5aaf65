"""Prometheus's scrape configuration for the mesh: one job per service of services/mesh.toml, scraping its /metrics.

    python -m hub.metrics_scrape --rules deploy/prometheus/rules.yml > prometheus.yml
    python -m hub.metrics_scrape --target gateway=127.0.0.1:18100 --target catalog=127.0.0.1:18101 ...

Without `--target`, every declared service on `--host` at its declared port (plus `--port-offset`, as
`services/run.py up --port-offset` runs a second hub), and with `--replicas N` every instance of it (`make up
REPLICAS=N`: instance k at its port + k * REPLICA_PORT_STEP); Prometheus tells the replicas' series apart by their
`instance` label, the target's address. deploy/prometheus/prometheus.yml is this output with the
defaults (a test keeps the two equal); deploy/prometheus.sh writes its own copy with the ports it is given.
Each job is named after its service: the hub's series carry a `service` label of their own, which a target label
of that name would rename.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence

from hub.mesh import Mesh, load_mesh

DEFAULT_INTERVAL = "15s"


def mesh_targets(mesh: Mesh, host: str = "127.0.0.1", port_offset: int = 0, replicas: int = 1) -> dict[str, list[str]]:
    """The addresses of every declared service's instances, by name, in the declaration's order."""
    return {
        name: [f"{host}:{service.instance_port(k, port_offset)}" for k in range(replicas)]
        for name, service in mesh.services.items()
    }


def scrape_config(
    targets: Mapping[str, Sequence[str]], *, rule_files: Sequence[str] = (), scrape_interval: str = DEFAULT_INTERVAL
) -> str:
    """The configuration as YAML (strings JSON-quoted, which YAML reads as they are)."""
    lines = [
        "# The hub's scrape configuration: written by `python -m hub.metrics_scrape`; edit that, not this.",
        "global:",
        f"  scrape_interval: {scrape_interval}",
        f"  evaluation_interval: {scrape_interval}",
    ]
    if rule_files:
        lines += ["rule_files:", *(f"  - {json.dumps(path)}" for path in rule_files)]
    lines.append("scrape_configs:")
    for name, addresses in targets.items():
        lines += [
            f"  - job_name: {json.dumps(name)}",
            "    metrics_path: /metrics",
            "    static_configs:",
            f"      - targets: [{', '.join(json.dumps(address) for address in addresses)}]",
        ]
    return "\n".join(lines) + "\n"


def _target(text: str) -> tuple[str, str]:
    name, separator, address = text.partition("=")
    if not (separator and name and address):
        raise argparse.ArgumentTypeError(f"expected name=host:port, not {text!r}")
    return name, address


def main(argv: Sequence[str] | None = None) -> None:
    """Print the configuration."""
    parser = argparse.ArgumentParser(prog="python -m hub.metrics_scrape", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--target", type=_target, action="append", default=[], help="name=host:port (repeatable, also per name)"
    )
    parser.add_argument("--host", default="127.0.0.1", help="where the declared services listen")
    parser.add_argument("--port-offset", type=int, default=0, help="added to every declared port")
    parser.add_argument("--replicas", type=int, default=1, help="instances of every declared service (1-9)")
    parser.add_argument("--rules", action="append", default=[], help="a rule file (repeatable)")
    parser.add_argument("--scrape-interval", default=DEFAULT_INTERVAL, help="e.g. 15s, 1s")
    args = parser.parse_args(argv)
    given: dict[str, list[str]] = {}
    for name, address in args.target:
        given.setdefault(name, []).append(address)
    targets = given or mesh_targets(load_mesh(), args.host, args.port_offset, args.replicas)
    sys.stdout.write(scrape_config(targets, rule_files=args.rules, scrape_interval=args.scrape_interval))


if __name__ == "__main__":
    main()
