"""The Kubernetes workloads of every service of services/mesh.toml (deploy/k8s/base/services/<name>.yaml).

    python tools/k8s_services.py            # print every file's YAML
    python tools/k8s_services.py --write    # write deploy/k8s/base/services/*.yaml and postgres/databases.yaml

One image runs every service (deploy/container: `hub-container serve NAME`, `migrate NAME`, secrets read from the
files that NAME_FILE variables point to). For each service this renders:
- a migration Job (`hub-container migrate NAME`; the gateway's also bootstraps the city's first administrator) and,
  in the Deployment, an init container that waits until the service's database is at its newest migration
  (deploy/k8s/base/scripts/wait_for_migrations.py), so the Deployments start after the Jobs whatever the order
  in which they were applied;
- the Deployment: probes on /healthz (startup, liveness) and /readyz (readiness; the gateway's own, scope=self),
  requests and limits, spread over nodes and zones, non-root with a read-only root file system and no capabilities;
- its Service, HorizontalPodAutoscaler, PodDisruptionBudget and NetworkPolicy: only the gateway reaches a service
  (A12.1, enforced by the network as well as by the internal token), the gateway only from the ingress controller,
  and Prometheus scrapes /metrics;
- CloudNativePG Database resources, one per service, owned by the service's own role.
The committed files are this script's output (tests/deploy/test_k8s.py compares them).
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML ships no stubs; types-PyYAML is not in the lock

REPO = Path(__file__).resolve().parents[1]
MESH = REPO / "services" / "mesh.toml"
BASE = REPO / "deploy" / "k8s" / "base"
IMAGE = "public-data-hub:latest"
PART_OF = "public-data-hub"
POSTGRES_CLUSTER = "hub-postgres"
POSTGRES_HOST = f"{POSTGRES_CLUSTER}-rw"  # CloudNativePG's service for the primary
UID = 10001  # the image's own user (deploy/container/Containerfile)
# The gateway scales with requests; a consuming service up to its smallest consumed topic's partitions (a consumer
# group gives each partition to one member, so more replicas would idle).
GATEWAY_MAX_REPLICAS = 6
NON_CONSUMER_MAX_REPLICAS = 6
MIN_REPLICAS = 2
# The ingest reads big spreadsheets and CSV files: the aggregation service gets more memory.
MEMORY_LIMITS = {"aggregation": "1Gi"}
DEFAULT_MEMORY_LIMIT = "512Mi"

PROMETHEUS = {
    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
    "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}},
}
INGRESS_CONTROLLER = {
    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}},
    "podSelector": {"matchLabels": {"app.kubernetes.io/name": "ingress-nginx"}},
}

SECRETS = Path("/var/run/secrets/hub")
# The pod's writable scratch space (an emptyDir: the root file system is read-only), not a shared /tmp of a host.
TMP = "/tmp"  # noqa: S108


def dump(resources: list[dict[str, Any]]) -> str:
    """The resources as a YAML stream. Copied through JSON first: a value used twice is then written in full both
    times, not as a YAML anchor and alias, so a reader sees each resource whole."""
    text: str = yaml.safe_dump_all(json.loads(json.dumps(resources)), sort_keys=False, explicit_start=True, width=120)
    return text


def workload_name(service: str) -> str:
    return f"hub-{service}"


def labels(service: str, component: str) -> dict[str, str]:
    """The labels NetworkPolicies select on: the workload's name, the hub, its part (gateway, service, migration)."""
    name = workload_name(service) if component != "migration" else f"hub-migrate-{service}"
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/component": component,
    }


def pod_security() -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "runAsUser": UID,
        "runAsGroup": UID,
        "fsGroup": UID,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def container_security() -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "privileged": False,
        "capabilities": {"drop": ["ALL"]},
    }


def secret_volume(name: str, secret: str, keys: list[str]) -> dict[str, Any]:
    """A secret's chosen keys as files readable by the image's group only (a secret is referenced, never written)."""
    return {
        "name": name,
        "secret": {"secretName": secret, "items": [{"key": k, "path": k} for k in keys], "defaultMode": 0o440},
    }


def database_env(service: str, database: str) -> list[dict[str, Any]]:
    """The service's own database with its own role (named as the database); the password comes from a file."""
    return [
        {"name": "HUB_SERVICE", "value": service},
        {"name": "DATABASE_URL", "value": f"postgresql://{database}@{POSTGRES_HOST}:5432/{database}"},
        {"name": "HUB_DATABASE_SERVER_URL", "value": f"postgresql://{database}@{POSTGRES_HOST}:5432/postgres"},
        {"name": "DATABASE_PASSWORD_FILE", "value": str(SECRETS / "database" / "password")},
    ]


def small_resources() -> dict[str, Any]:
    return {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "384Mi"}}


def tmp_volume() -> dict[str, Any]:
    return {"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}}


def readiness_path(name: str) -> str:
    """The gateway's readiness is its own (hub.probes, scope=self): one service down must not take every gateway
    replica out of the load balancer. A service has no upstreams; its /readyz is its own already."""
    return "/readyz?scope=self" if name == "gateway" else "/readyz"


def deployment(name: str, body: dict[str, Any], upstreams: dict[str, str]) -> dict[str, Any]:
    """The service's Deployment (no replica count: the HorizontalPodAutoscaler owns it; the demo sets one)."""
    component = "gateway" if name == "gateway" else "service"
    port = int(body["port"])
    env = [
        *database_env(name, body["database"]),
        {"name": "HUB_PORT", "value": str(port)},
        {"name": "HUB_INTERNAL_TOKEN_PUBLIC_KEYS_FILE", "value": str(SECRETS / "internal-token" / "public-keys")},
        # Where an operator adds a year to the working-day calendar: every service watches the file, so the
        # optional ConfigMap hub-calendar may be created later without a restart.
        {"name": "HUB_CALENDAR_OVERRIDE_FILE", "value": "/etc/hub/calendar/calendar-overrides.json"},
        {"name": "TMPDIR", "value": TMP},
    ]
    token_keys = ["public-keys"]
    if name == "gateway":
        token_keys.append("private-key")
        env += [
            {"name": "HUB_INTERNAL_TOKEN_PRIVATE_KEY_FILE", "value": str(SECRETS / "internal-token" / "private-key")},
            {"name": "HUB_UPSTREAM_URLS", "value": json.dumps(upstreams, sort_keys=True)},
        ]
    mounts = [
        {"name": "tmp", "mountPath": TMP},
        {"name": "database", "mountPath": str(SECRETS / "database"), "readOnly": True},
        {"name": "internal-token", "mountPath": str(SECRETS / "internal-token"), "readOnly": True},
        {"name": "calendar", "mountPath": "/etc/hub/calendar", "readOnly": True},
    ]
    volumes = [
        tmp_volume(),
        secret_volume("database", f"hub-db-{name}", ["password"]),
        secret_volume("internal-token", "hub-internal-token", token_keys),
        {"name": "calendar", "configMap": {"name": "hub-calendar", "optional": True}},
        {"name": "scripts", "configMap": {"name": "hub-k8s-scripts"}},
    ]
    if name == "aggregation":
        # Dumps made through the API (A31.1) land here; the cluster's own backups are CloudNativePG's.
        env.append({"name": "HUB_BACKUP_DIR", "value": "/var/lib/hub/backups"})
        mounts.append({"name": "backups", "mountPath": "/var/lib/hub/backups"})
        volumes.append({"name": "backups", "emptyDir": {"sizeLimit": "20Gi"}})
    selector = {"app.kubernetes.io/name": workload_name(name)}
    probe = {"httpGet": {"path": "/healthz", "port": "http"}, "timeoutSeconds": 3}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": workload_name(name), "labels": labels(name, component)},
        "spec": {
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": selector},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": {
                "metadata": {
                    "labels": labels(name, component),
                    "annotations": {
                        "prometheus.io/scrape": "true",
                        "prometheus.io/port": str(port),
                        "prometheus.io/path": "/metrics",
                    },
                },
                "spec": {
                    "automountServiceAccountToken": False,
                    "enableServiceLinks": False,
                    "securityContext": pod_security(),
                    "terminationGracePeriodSeconds": 30,
                    "topologySpreadConstraints": [
                        {
                            "maxSkew": 1,
                            "topologyKey": key,
                            "whenUnsatisfiable": "ScheduleAnyway",
                            "labelSelector": {"matchLabels": selector},
                        }
                        for key in ("kubernetes.io/hostname", "topology.kubernetes.io/zone")
                    ],
                    "initContainers": [
                        {
                            "name": "wait-for-migrations",
                            "image": IMAGE,
                            "args": ["python", "/opt/hub-k8s/wait_for_migrations.py"],
                            "env": database_env(name, body["database"]),
                            "resources": small_resources(),
                            "securityContext": container_security(),
                            "volumeMounts": [
                                {"name": "tmp", "mountPath": TMP},
                                {"name": "database", "mountPath": str(SECRETS / "database"), "readOnly": True},
                                {"name": "scripts", "mountPath": "/opt/hub-k8s", "readOnly": True},
                            ],
                        }
                    ],
                    "containers": [
                        {
                            "name": "service",
                            "image": IMAGE,
                            "args": ["serve", name],
                            "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"}],
                            "envFrom": [{"configMapRef": {"name": "hub-config"}}],
                            "env": env,
                            "resources": {
                                "requests": {"cpu": "100m", "memory": "256Mi"},
                                "limits": {"cpu": "1", "memory": MEMORY_LIMITS.get(name, DEFAULT_MEMORY_LIMIT)},
                            },
                            "startupProbe": {**probe, "periodSeconds": 2, "failureThreshold": 60},
                            "livenessProbe": {**probe, "periodSeconds": 10, "failureThreshold": 3},
                            "readinessProbe": {
                                "httpGet": {"path": readiness_path(name), "port": "http"},
                                "timeoutSeconds": 5,
                                "periodSeconds": 5,
                                "failureThreshold": 2,
                            },
                            # Endpoints drop the pod before it is told to stop, so no request is sent to a
                            # closing process.
                            "lifecycle": {"preStop": {"sleep": {"seconds": 5}}},
                            "securityContext": container_security(),
                            "volumeMounts": mounts,
                        }
                    ],
                    "volumes": volumes,
                },
            },
        },
    }


def service(name: str, port: int) -> dict[str, Any]:
    component = "gateway" if name == "gateway" else "service"
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": workload_name(name), "labels": labels(name, component)},
        "spec": {
            "selector": {"app.kubernetes.io/name": workload_name(name)},
            "ports": [{"name": "http", "port": port, "targetPort": "http", "protocol": "TCP"}],
        },
    }


def autoscaler(name: str, max_replicas: int) -> dict[str, Any]:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": workload_name(name)},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": workload_name(name)},
            "minReplicas": MIN_REPLICAS,
            "maxReplicas": max_replicas,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}},
                }
            ],
        },
    }


def disruption_budget(name: str) -> dict[str, Any]:
    """One replica at a time may be evicted: a drain never empties a service, and never blocks on the demo's one."""
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": workload_name(name)},
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app.kubernetes.io/name": workload_name(name)}}},
    }


def network_policy(name: str, port: int) -> dict[str, Any]:
    """Who reaches the service's port: the gateway only (A12.1), or for the gateway the ingress controller;
    Prometheus too, for /metrics (the namespace denies every other ingress, base/network-policies.yaml)."""
    gateway_peer = {"podSelector": {"matchLabels": labels("gateway", "gateway")}}
    callers = INGRESS_CONTROLLER if name == "gateway" else gateway_peer
    ports = [{"port": port, "protocol": "TCP"}]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": workload_name(name)},
        "spec": {
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": workload_name(name)}},
            "policyTypes": ["Ingress"],
            "ingress": [{"from": [callers], "ports": ports}, {"from": [PROMETHEUS], "ports": ports}],
        },
    }


def migration_job(name: str, database: str) -> dict[str, Any]:
    """`hub-container migrate NAME` (idempotent: safe on every rollout); the gateway's then bootstraps the city's
    first administrator, which leaves an existing one alone. A finished Job deletes itself after ten minutes, so
    the next `kubectl apply` runs it again with the new image."""
    migrate = {
        "name": "migrate",
        "image": IMAGE,
        "args": ["migrate", name],
        "env": database_env(name, database),
        "resources": small_resources(),
        "securityContext": container_security(),
        "volumeMounts": [
            {"name": "tmp", "mountPath": TMP},
            {"name": "database", "mountPath": str(SECRETS / "database"), "readOnly": True},
        ],
    }
    volumes = [tmp_volume(), secret_volume("database", f"hub-db-{name}", ["password"])]
    pod: dict[str, Any] = {
        "restartPolicy": "OnFailure",
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "securityContext": pod_security(),
        "containers": [migrate],
        "volumes": volumes,
    }
    if name == "gateway":
        bootstrap = {
            **migrate,
            "name": "bootstrap-admin",
            "args": ["bootstrap-admin"],
            "envFrom": [{"configMapRef": {"name": "hub-config"}}],
            "env": [
                *database_env(name, database),
                {"name": "HUB_BOOTSTRAP_PASSWORD_FILE", "value": str(SECRETS / "admin" / "password")},
            ],
            "volumeMounts": [
                *migrate["volumeMounts"],
                {"name": "admin", "mountPath": str(SECRETS / "admin"), "readOnly": True},
            ],
        }
        pod["initContainers"] = [migrate]
        pod["containers"] = [bootstrap]
        volumes.append(secret_volume("admin", "hub-admin-bootstrap", ["password"]))
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": f"hub-migrate-{name}", "labels": labels(name, "migration")},
        "spec": {
            "backoffLimit": 10,
            "activeDeadlineSeconds": 1800,
            "ttlSecondsAfterFinished": 600,
            "template": {"metadata": {"labels": labels(name, "migration")}, "spec": pod},
        },
    }


def database_resource(database: str) -> dict[str, Any]:
    """A CloudNativePG Database owned by the role of the same name (the Cluster's managed roles)."""
    return {
        "apiVersion": "postgresql.cnpg.io/v1",
        "kind": "Database",
        "metadata": {"name": database.replace("_", "-")},
        "spec": {
            "cluster": {"name": POSTGRES_CLUSTER},
            "name": database,
            "owner": database,
            "ensure": "present",
            # Dropping the resource must never drop a service's data.
            "databaseReclaimPolicy": "retain",
        },
    }


def max_replicas(name: str, body: dict[str, Any], partitions: dict[str, int]) -> int:
    consumed = [partitions[t] for t in body.get("consumes", [])]
    if name == "gateway":
        return GATEWAY_MAX_REPLICAS
    return min(consumed) if consumed else NON_CONSUMER_MAX_REPLICAS


def files(mesh_file: Path = MESH) -> dict[Path, str]:
    """Every rendered file (relative to deploy/k8s/base) and its YAML."""
    mesh = tomllib.loads(mesh_file.read_text(encoding="utf-8"))
    services: dict[str, dict[str, Any]] = mesh["services"]
    partitions = {topic: int(body["partitions"]) for topic, body in mesh.get("topics", {}).items()}
    upstreams = {
        name: f"http://{workload_name(name)}:{body['port']}" for name, body in services.items() if name != "gateway"
    }
    header = (
        "# Generated by tools/k8s_services.py from services/mesh.toml: do not edit, "
        "run `python tools/k8s_services.py --write`.\n"
    )
    rendered: dict[Path, str] = {}
    for name, body in services.items():
        most = max_replicas(name, body, partitions)
        resources = [
            migration_job(name, body["database"]),
            deployment(name, body, upstreams),
            service(name, int(body["port"])),
            autoscaler(name, most),
            disruption_budget(name),
            network_policy(name, int(body["port"])),
        ]
        rendered[Path("services") / f"{name}.yaml"] = header + dump(resources)
    databases = [database_resource(body["database"]) for body in services.values()]
    rendered[Path("postgres") / "databases.yaml"] = header + dump(databases)
    return rendered


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="write the files under deploy/k8s/base")
    args = parser.parse_args()
    for path, text in files().items():
        if args.write:
            (BASE / path).parent.mkdir(parents=True, exist_ok=True)
            (BASE / path).write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(f"# {path}\n{text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
