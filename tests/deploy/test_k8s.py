"""The Kubernetes deployment (deploy/k8s): each overlay renders with kustomize and validates strictly with kubeconform
against schemas made offline (make k8s-tools), and what the manifests must say is checked on the rendered output:
probes, limits and locked-down pods, who may reach whom (A12.1), topics as services/mesh.toml declares them, one
database and role per service, backups (A31.1), migrations before the services, and no secret written anywhere.

Expected values come from services/mesh.toml read here, from the Measures and from tables written in this file,
never from the generators under test (tools/k8s_topics.py, tools/k8s_services.py).
"""

from __future__ import annotations

import importlib.util
import json
import os
import stat
import subprocess
import tomllib
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML ships no stubs; types-PyYAML is not in the lock
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from harness import Infra, migrations_of
from hub.contracts.open_records import TOPIC_CONFIG
from hub.internal_token import TokenVerifier
from hub.migrations import ensure_database, upgrade_to_head
from tools import k8s_services, k8s_topics
from tools.k8s_schemas import standalone

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
RUN_DIR = Path(os.environ.get("RUN_DIR", REPO / ".run"))
KUSTOMIZE = RUN_DIR / "go" / "bin" / "kustomize"
KUBECONFORM = RUN_DIR / "go" / "bin" / "kubeconform"
SCHEMAS = RUN_DIR / "k8s-schemas"
OVERLAYS = ["demo", "production"]
MESH = tomllib.loads((REPO / "services" / "mesh.toml").read_text(encoding="utf-8"))
SERVICES: dict[str, dict[str, Any]] = MESH["services"]
PARTITIONS = {topic: body["partitions"] for topic, body in MESH["topics"].items()}
# Strimzi publishes its CRDs in no registry this project reaches (its Maven artifacts hold Java classes only), so
# kubeconform skips its kinds and test_strimzi_resources_are_well_formed checks them.
STRIMZI_KINDS = ("Kafka", "KafkaNodePool", "KafkaTopic")
# Where kubeconform finds a kind's schema: tools/k8s_schemas.py's layout.
KUBERNETES_SCHEMA = "{{ .ResourceKind }}{{ .KindSuffix }}.json"
CRD_SCHEMA = "{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"


def needs_tools() -> None:
    missing = [str(p) for p in (KUSTOMIZE, KUBECONFORM, SCHEMAS / "stamp.json") if not p.exists()]
    if missing:
        pytest.skip(f"the Kubernetes tools are missing ({', '.join(missing)}): install them with `make k8s-tools`")


@cache
def rendered(overlay: str) -> tuple[dict[str, Any], ...]:
    """`kustomize build` of the overlay, as resources."""
    result = subprocess.run(
        [str(KUSTOMIZE), "build", str(K8S / "overlays" / overlay)], check=True, capture_output=True, text=True
    )
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def of_kind(overlay: str, kind: str) -> dict[str, dict[str, Any]]:
    """The overlay's resources of one kind, by name."""
    return {r["metadata"]["name"]: r for r in rendered(overlay) if r["kind"] == kind}


def kubeconform(manifests: str) -> dict[str, Any]:
    """kubeconform's JSON report on the manifests: strict (unknown fields are errors), offline schemas only."""
    result = subprocess.run(
        [
            str(KUBECONFORM), "-strict", "-summary", "-output", "json",
            "-schema-location", f"{SCHEMAS}/kubernetes/{KUBERNETES_SCHEMA}",
            "-schema-location", f"{SCHEMAS}/crds/{CRD_SCHEMA}",
            "-skip", ",".join(STRIMZI_KINDS),
        ],
        input=manifests, capture_output=True, text=True,
    )  # fmt: skip
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def pod_specs(overlay: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every workload's pod spec: the Deployments' and the migration Jobs'."""
    for kind in ("Deployment", "Job"):
        for name, workload in of_kind(overlay, kind).items():
            yield f"{kind} {name}", workload["spec"]["template"]["spec"]


# --- generated files ------------------------------------------------------------------------------------------------


def test_committed_kafka_topics_are_the_generators_output_from_mesh_toml() -> None:
    committed = (K8S / "base" / "kafka" / "topics.yaml").read_text(encoding="utf-8")
    assert committed == k8s_topics.render(), "run `python tools/k8s_topics.py --write`"


def test_committed_service_manifests_are_the_generators_output_from_mesh_toml() -> None:
    for path, text in k8s_services.files().items():
        committed = (K8S / "base" / path).read_text(encoding="utf-8")
        assert committed == text, f"{path} is stale: run `python tools/k8s_services.py --write`"


# --- rendering and schema validation --------------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders_and_validates_strictly_offline(overlay: str) -> None:
    needs_tools()
    manifests = yaml.safe_dump_all(rendered(overlay))
    summary = kubeconform(manifests)["summary"]
    strimzi = sum(1 for r in rendered(overlay) if r["kind"] in STRIMZI_KINDS)
    assert (summary["invalid"], summary["errors"]) == (0, 0), kubeconform(manifests)
    # Nothing but Strimzi's kinds went unvalidated: every other kind found its schema.
    assert summary["skipped"] == strimzi
    assert summary["valid"] == len(rendered(overlay)) - strimzi


def test_strict_validation_rejects_an_unknown_field_in_kubernetes_and_cloudnativepg_kinds() -> None:
    needs_tools()
    resources = [dict(r) for r in rendered("production") if r["kind"] in ("Deployment", "Cluster", "Database")]
    broken = []
    for resource in resources:
        copy = json.loads(json.dumps(resource))
        copy["spec"]["notAField"] = True
        broken.append(copy)
    report = kubeconform(yaml.safe_dump_all(broken))
    assert report["summary"]["invalid"] == len(broken), report


def test_a_kinds_schema_is_made_standalone_with_every_definition_it_reaches_and_no_other() -> None:
    definitions = {
        "Spec": {"properties": {"item": {"$ref": "#/$defs/Item"}}},
        "Item": {"items": {"$ref": "#/$defs/Name"}},
        "Name": {"type": "string"},
        "Unreached": {"type": "integer"},
    }
    kind = {"properties": {"spec": {"$ref": "/api/_definitions.json#/$defs/Spec"}}}
    assert standalone(kind, definitions) == {
        "properties": {"spec": {"$ref": "#/$defs/Spec"}},
        "$defs": {"Item": definitions["Item"], "Name": definitions["Name"], "Spec": definitions["Spec"]},
    }


# --- workloads ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_workload_has_limits_and_runs_non_root_on_a_read_only_root(overlay: str) -> None:
    needs_tools()
    workloads = list(pod_specs(overlay))
    assert len(workloads) == 2 * len(SERVICES)
    for workload, pod in workloads:
        assert pod["securityContext"]["runAsNonRoot"] is True, workload
        assert pod.get("automountServiceAccountToken") is False, workload
        for container in pod.get("initContainers", []) + pod["containers"]:
            where = f"{workload} {container['name']}"
            limits, requests = container["resources"]["limits"], container["resources"]["requests"]
            assert {"cpu", "memory"} <= set(limits), where
            assert {"cpu", "memory"} <= set(requests), where
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["capabilities"]["drop"] == ["ALL"], where
            assert "add" not in security["capabilities"], where
            assert not security.get("privileged"), where


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_is_probed_on_healthz_for_liveness_and_readyz_for_readiness(overlay: str) -> None:
    needs_tools()
    deployments = of_kind(overlay, "Deployment")
    assert set(deployments) == {f"hub-{name}" for name in SERVICES}
    for name, body in SERVICES.items():
        (container,) = deployments[f"hub-{name}"]["spec"]["template"]["spec"]["containers"]
        assert container["args"] == ["serve", name]
        (port,) = container["ports"]
        assert port["containerPort"] == body["port"]
        # A gateway replica is ready on its own dependencies, not its upstreams' (hub.probes: scope=self).
        ready = "/readyz?scope=self" if name == "gateway" else "/readyz"
        for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", ready), ("startupProbe", "/healthz")):
            assert container[probe]["httpGet"] == {"path": path, "port": port["name"]}, (name, probe)


def test_the_probed_paths_are_routes_every_service_serves() -> None:
    from hub.probes import router

    paths = {getattr(route, "path", None) for route in router.routes}
    assert {"/healthz", "/readyz", "/metrics"} <= paths


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_migration_jobs_run_before_the_services_start(overlay: str) -> None:
    needs_tools()
    jobs, deployments = of_kind(overlay, "Job"), of_kind(overlay, "Deployment")
    for name, body in SERVICES.items():
        pod = jobs[f"hub-migrate-{name}"]["spec"]["template"]["spec"]
        migrate = [c for c in pod.get("initContainers", []) + pod["containers"] if c["args"] == ["migrate", name]]
        assert len(migrate) == 1, name
        wait = deployments[f"hub-{name}"]["spec"]["template"]["spec"]["initContainers"]
        assert [c["args"] for c in wait] == [["python", "/opt/hub-k8s/wait_for_migrations.py"]]
        for container in (migrate[0], wait[0]):
            env = {e["name"]: e.get("value") for e in container["env"]}
            assert env["HUB_SERVICE"] == name
            assert env["DATABASE_URL"].endswith(f"/{body['database']}")
    gateway_job = jobs["hub-migrate-gateway"]["spec"]["template"]["spec"]
    # The administrator is bootstrapped after the gateway's database is migrated: an init container runs first.
    assert [c["args"] for c in gateway_job["initContainers"]] == [["migrate", "gateway"]]
    assert [c["args"] for c in gateway_job["containers"]] == [["bootstrap-admin"]]


# --- scaling --------------------------------------------------------------------------------------------------------


def test_production_has_an_autoscaler_and_a_disruption_budget_for_every_service() -> None:
    needs_tools()
    autoscalers, budgets = (
        of_kind("production", "HorizontalPodAutoscaler"),
        of_kind("production", "PodDisruptionBudget"),
    )
    deployments = of_kind("production", "Deployment")
    for name in SERVICES:
        target = f"hub-{name}"
        (hpa,) = [h for h in autoscalers.values() if h["spec"]["scaleTargetRef"]["name"] == target]
        assert hpa["spec"]["scaleTargetRef"]["kind"] == "Deployment"
        assert hpa["spec"]["minReplicas"] >= 2
        pod_labels = deployments[target]["spec"]["template"]["metadata"]["labels"]
        (pdb,) = [b for b in budgets.values() if b["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()]
        assert pdb["spec"].get("maxUnavailable") == 1 or pdb["spec"].get("minAvailable") == 1
        spread = deployments[target]["spec"]["template"]["spec"]["topologySpreadConstraints"]
        by_key = {c["topologyKey"]: c["whenUnsatisfiable"] for c in spread}
        assert by_key["kubernetes.io/hostname"] == "DoNotSchedule"
        # The HPA owns the replica count: a count in the Deployment would undo its scaling at every apply.
        assert "replicas" not in deployments[target]["spec"]


def test_demo_runs_one_replica_of_everything() -> None:
    needs_tools()
    assert of_kind("demo", "HorizontalPodAutoscaler") == {}
    assert {d["spec"]["replicas"] for d in of_kind("demo", "Deployment").values()} == {1}
    (pool,) = of_kind("demo", "KafkaNodePool").values()
    assert pool["spec"]["replicas"] == 1
    assert sorted(pool["spec"]["roles"]) == ["broker", "controller"]
    assert of_kind("demo", "Cluster")["hub-postgres"]["spec"]["instances"] == 1


def test_a_consuming_service_scales_no_further_than_its_topics_partitions() -> None:
    """A consumer group gives each partition to one member: replicas past the partitions would idle."""
    needs_tools()
    autoscalers = {
        h["spec"]["scaleTargetRef"]["name"]: h for h in of_kind("production", "HorizontalPodAutoscaler").values()
    }
    for name, body in SERVICES.items():
        # The gateway scales with its requests; its members of catalog.events' group beyond three only idle.
        if name != "gateway" and body["consumes"]:
            most = min(PARTITIONS[topic] for topic in body["consumes"])
            assert autoscalers[f"hub-{name}"]["spec"]["maxReplicas"] <= most, name


# --- Kafka (Strimzi) ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("overlay", "replicas", "min_insync"), [("production", 3, 2), ("demo", 1, 1)])
def test_kafka_topics_are_those_of_mesh_toml_with_their_partitions(
    overlay: str, replicas: int, min_insync: int
) -> None:
    needs_tools()
    topics = {t["spec"]["topicName"]: t for t in of_kind(overlay, "KafkaTopic").values()}
    expected = {**PARTITIONS, **{f"{topic}.dlq": count for topic, count in PARTITIONS.items()}}
    assert {name: t["spec"]["partitions"] for name, t in topics.items()} == expected
    for name, topic in topics.items():
        assert topic["spec"]["replicas"] == replicas, name
        assert topic["spec"]["config"]["min.insync.replicas"] == min_insync, name
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == "hub-kafka"
    # A topic a service creates before the topic operator does gets as many copies (hub.kafka.ensure_topics).
    (config,) = [c for name, c in of_kind(overlay, "ConfigMap").items() if name.startswith("hub-config-")]
    assert config["data"]["KAFKA_TOPIC_REPLICATION_FACTOR"] == str(replicas)
    open_records = topics["aggregation.open-records"]["spec"]["config"]
    assert open_records["cleanup.policy"] == "compact"
    assert str(open_records["delete.retention.ms"]) == TOPIC_CONFIG["delete.retention.ms"]
    assert "cleanup.policy" not in topics["aggregation.open-records.dlq"]["spec"]["config"]


LISTENER_TYPES = {"internal", "route", "loadbalancer", "nodeport", "ingress", "cluster-ip"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_strimzi_resources_are_well_formed(overlay: str) -> None:
    """What Strimzi's v1beta2 API requires of these resources (checked here: no schema of Strimzi's is offline)."""
    needs_tools()
    (kafka,) = of_kind(overlay, "Kafka").values()
    assert kafka["apiVersion"] == "kafka.strimzi.io/v1beta2"
    assert kafka["metadata"]["annotations"] == {"strimzi.io/node-pools": "enabled", "strimzi.io/kraft": "enabled"}
    spec = kafka["spec"]["kafka"]
    # With node pools, replicas and storage belong to the pools; KRaft has no ZooKeeper.
    assert not {"replicas", "storage"} & set(spec)
    assert "zookeeper" not in kafka["spec"]
    assert set(kafka["spec"]) <= {"kafka", "entityOperator", "cruiseControl", "kafkaExporter"}
    for listener in spec["listeners"]:
        assert listener["name"].isalnum()
        assert len(listener["name"]) <= 11
        assert listener["name"].islower()
        assert listener["type"] in LISTENER_TYPES
        assert isinstance(listener["tls"], bool)
        assert isinstance(listener["port"], int)
        assert listener["port"] >= 9092
        assert listener["port"] not in (9404, 9999)
    pools = of_kind(overlay, "KafkaNodePool").values()
    roles = [role for pool in pools for role in pool["spec"]["roles"] for _ in range(pool["spec"]["replicas"])]
    assert set(roles) == {"controller", "broker"}
    for pool in pools:
        assert pool["apiVersion"] == "kafka.strimzi.io/v1beta2"
        assert pool["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"]
        assert set(pool["spec"]["roles"]) <= {"controller", "broker"}
        assert pool["spec"]["replicas"] >= 1
        storage = pool["spec"]["storage"]
        assert storage["type"] == "jbod"
        for volume in storage["volumes"]:
            assert volume["type"] == "persistent-claim"
            assert isinstance(volume["id"], int)
            assert volume["size"]
        assert set(pool["spec"]) <= {"replicas", "roles", "storage", "resources", "template", "jvmOptions"}
    brokers = roles.count("broker")
    config = spec["config"]
    assert config["default.replication.factor"] <= brokers
    assert config["offsets.topic.replication.factor"] <= brokers
    for topic in of_kind(overlay, "KafkaTopic").values():
        assert topic["apiVersion"] == "kafka.strimzi.io/v1beta2"
        assert set(topic["spec"]) <= {"topicName", "partitions", "replicas", "config"}
        assert topic["spec"]["config"]["min.insync.replicas"] <= topic["spec"]["replicas"] <= brokers


# --- PostgreSQL (CloudNativePG) -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("overlay", "instances"), [("production", 3), ("demo", 1)])
def test_each_service_has_its_own_database_and_role_on_the_cluster(overlay: str, instances: int) -> None:
    needs_tools()
    cluster = of_kind(overlay, "Cluster")["hub-postgres"]["spec"]
    assert cluster["instances"] == instances
    roles = {r["name"]: r for r in cluster["managed"]["roles"]}
    databases = {d["spec"]["name"]: d["spec"] for d in of_kind(overlay, "Database").values()}
    deployments = of_kind(overlay, "Deployment")
    for name, body in SERVICES.items():
        database = body["database"]
        assert databases[database]["owner"] == database
        assert databases[database]["cluster"] == {"name": "hub-postgres"}
        assert databases[database]["databaseReclaimPolicy"] == "retain"
        assert roles[database]["login"] is True
        assert roles[database]["passwordSecret"] == {"name": f"hub-db-{name}"}
        env = {
            e["name"]: e.get("value")
            for e in deployments[f"hub-{name}"]["spec"]["template"]["spec"]["containers"][0]["env"]
        }
        assert env["DATABASE_URL"] == f"postgresql://{database}@hub-postgres-rw:5432/{database}"


def test_production_backs_the_cluster_up_every_night_A31_1() -> None:
    needs_tools()
    (backup,) = of_kind("production", "ScheduledBackup").values()
    assert backup["spec"]["cluster"] == {"name": "hub-postgres"}
    assert backup["spec"]["method"] == "barmanObjectStore"
    # CloudNativePG's schedule has a seconds field: second minute hour day month weekday.
    _seconds, _minute, hour, *days = backup["spec"]["schedule"].split()
    assert days == ["*", "*", "*"]
    assert hour.isdigit()
    store = of_kind("production", "Cluster")["hub-postgres"]["spec"]["backup"]
    assert store["barmanObjectStore"]["destinationPath"].startswith("s3://")
    assert store["retentionPolicy"] == "30d"


# --- network --------------------------------------------------------------------------------------------------------

NAMESPACE = "public-data-hub"
# Who may open a connection to whom, written down from A12.1 and the deployment's design, not read from the manifests:
# each service only from the gateway (and Prometheus, for /metrics); the gateway only from the ingress controller
# (and Prometheus); PostgreSQL from the hub's own pods and their migration Jobs; Kafka's listener from the gateway
# and the services.


def hub_pod(name: str, component: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/part-of": "public-data-hub",
        "app.kubernetes.io/component": component,
    }


PEERS: dict[str, tuple[str, dict[str, str]]] = {
    **{name: (NAMESPACE, hub_pod(f"hub-{name}", "gateway" if name == "gateway" else "service")) for name in SERVICES},
    "migration": (NAMESPACE, hub_pod("hub-migrate-catalog", "migration")),
    "ingress-controller": ("ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"}),
    "prometheus": ("monitoring", {"app.kubernetes.io/name": "prometheus"}),
    "stray pod": (NAMESPACE, {"app": "debug-shell"}),
    "other namespace": ("elsewhere", hub_pod("hub-gateway", "gateway")),
}


def may_reach(target: str) -> set[str]:
    services = {name for name in SERVICES if name != "gateway"}
    if target == "gateway":
        return {"ingress-controller", "prometheus"}
    if target in services:
        return {"gateway", "prometheus"}
    if target == "postgres":
        return set(SERVICES) | {"migration"}
    if target == "kafka":
        return set(SERVICES)
    raise KeyError(target)


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """Whether a label selector (matchLabels, matchExpressions with In/NotIn/Exists/DoesNotExist) selects the labels."""
    if not selector.get("matchLabels", {}).items() <= labels.items():
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        ok = {
            "In": key in labels and labels[key] in values,
            "NotIn": labels.get(key) not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }[operator]
        if not ok:
            return False
    return True


def peer_matches(peer: dict[str, Any], namespace: str, labels: dict[str, str]) -> bool:
    """A NetworkPolicy peer of a policy in the hub's namespace (namespaces carry kubernetes.io/metadata.name)."""
    if "ipBlock" in peer:
        return False
    if "namespaceSelector" in peer:
        if not selects(peer["namespaceSelector"], {"kubernetes.io/metadata.name": namespace}):
            return False
    elif namespace != NAMESPACE:
        return False
    return selects(peer.get("podSelector", {}), labels)


def allowed(policies: list[dict[str, Any]], target_labels: dict[str, str], port: int, source: str) -> bool:
    """Kubernetes' rule: a pod selected by no ingress policy takes anything; else some rule of one must allow."""
    namespace, labels = PEERS[source]
    selecting = [p for p in policies if selects(p["spec"]["podSelector"], target_labels)]
    if not selecting:
        return True
    for policy in selecting:
        for rule in policy["spec"].get("ingress", []):
            ports = [p["port"] for p in rule.get("ports", [])]
            if ports and port not in ports:
                continue
            if "from" not in rule or any(peer_matches(peer, namespace, labels) for peer in rule["from"]):
                return True
    return False


def strimzi_listener_policy(kafka: dict[str, Any]) -> dict[str, Any]:
    """The NetworkPolicy Strimzi makes for the brokers from each listener's networkPolicyPeers."""
    return {
        "spec": {
            "podSelector": {"matchLabels": {"strimzi.io/cluster": kafka["metadata"]["name"]}},
            "ingress": [
                {"from": listener["networkPolicyPeers"], "ports": [{"port": listener["port"]}]}
                for listener in kafka["spec"]["kafka"]["listeners"]
            ],
        }
    }


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_the_gateway_reaches_the_services_and_only_the_hub_its_stores_A12_1(overlay: str) -> None:
    needs_tools()
    policies = list(of_kind(overlay, "NetworkPolicy").values())
    # Pods no policy below names (the operators' helpers, a debugging shell) take no connection either.
    deny_all = {"podSelector": {}, "policyTypes": ["Ingress"]}
    assert [p for p in policies if p["spec"] == deny_all], "no default-deny ingress policy"
    (kafka,) = of_kind(overlay, "Kafka").values()
    # Every listener names its peers: a listener without would let Strimzi open it to every pod.
    assert all(listener.get("networkPolicyPeers") for listener in kafka["spec"]["kafka"]["listeners"])
    targets: dict[str, tuple[dict[str, str], int, list[dict[str, Any]]]] = {
        name: (PEERS[name][1], body["port"], policies) for name, body in SERVICES.items()
    }
    targets["postgres"] = ({"cnpg.io/cluster": "hub-postgres", "cnpg.io/instanceRole": "primary"}, 5432, policies)
    broker_labels = {"strimzi.io/cluster": "hub-kafka", "strimzi.io/broker-role": "true"}
    targets["kafka"] = (broker_labels, 9092, [*policies, strimzi_listener_policy(kafka)])
    for target, (labels, port, applying) in targets.items():
        reached = {source for source in PEERS if allowed(applying, labels, port, source)}
        assert reached == may_reach(target), target
    # Any other port of a service is closed even to the gateway.
    assert not allowed(policies, PEERS["catalog"][1], 5678, "gateway")


# --- secrets --------------------------------------------------------------------------------------------------------


def referenced_secrets(node: Any) -> set[str]:
    """Every Secret name a manifest refers to (volumes, env, CloudNativePG's credentials, an Ingress's TLS)."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "secretName" and isinstance(value, str):
                found.add(value)
            elif (
                key in ("secretKeyRef", "passwordSecret", "secret", "accessKeyId", "secretAccessKey")
                and isinstance(value, dict)
                and isinstance(value.get("name"), str)
            ):
                found.add(value["name"])
            found |= referenced_secrets(value)
    elif isinstance(node, list):
        for item in node:
            found |= referenced_secrets(item)
    return found


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_secret_is_written_in_the_manifests_only_referenced(overlay: str) -> None:
    needs_tools()
    assert [r for r in rendered(overlay) if r["kind"] == "Secret"] == []
    for resource in rendered(overlay):
        text = json.dumps(resource)
        assert "PRIVATE KEY" not in text, resource["metadata"]["name"]
        assert '"password":' not in text.lower(), resource["metadata"]["name"]
    expected = {f"hub-db-{name}" for name in SERVICES} | {
        "hub-internal-token",
        "hub-admin-bootstrap",
        "hub-gateway-tls",
    }
    if overlay == "production":
        expected.add("hub-backup-s3")
    assert referenced_secrets(list(rendered(overlay))) == expected
    # Only the gateway holds the internal token's private key (A12.1: the services can verify, never sign).
    for name, deployment in of_kind(overlay, "Deployment").items():
        (token,) = [v for v in deployment["spec"]["template"]["spec"]["volumes"] if v["name"] == "internal-token"]
        keys = {item["key"] for item in token["secret"]["items"]}
        assert keys == ({"public-keys", "private-key"} if name == "hub-gateway" else {"public-keys"}), name


# kubectl as far as deploy/k8s/secrets.sh uses it, keeping each secret as a folder of files.
FAKE_KUBECTL = r"""#!/usr/bin/env bash
set -euo pipefail
args=()
while (($#)); do
    if [[ $1 == -n ]]; then shift 2; else args+=("$1"); shift; fi
done
case "${args[0]} ${args[1]}" in
    "get namespace" | "label secret") exit 0 ;;
    "get secret") [[ -e "$FAKE_KUBECTL_STORE/${args[2]}" ]] ;;
    "create secret")
        folder="$FAKE_KUBECTL_STORE/${args[3]}"
        mkdir "$folder"
        for arg in "${args[@]:4}"; do
            case "$arg" in
                --from-literal=*) pair="${arg#--from-literal=}"; printf '%s' "${pair#*=}" >"$folder/${pair%%=*}" ;;
                --from-file=*) pair="${arg#--from-file=}"; cp "${pair#*=}" "$folder/${pair%%=*}" ;;
                --type=*) printf '%s' "${arg#--type=}" >"$folder/.type" ;;
            esac
        done ;;
    *) echo "unexpected kubectl call: ${args[*]}" >&2; exit 2 ;;
esac
"""


def test_secrets_script_makes_every_referenced_secret_once_with_a_working_token_key_pair(tmp_path: Path) -> None:
    kubectl = tmp_path / "bin" / "kubectl"
    kubectl.parent.mkdir()
    kubectl.write_text(FAKE_KUBECTL)
    kubectl.chmod(kubectl.stat().st_mode | stat.S_IEXEC)
    store = tmp_path / "secrets"
    store.mkdir()
    env = {**os.environ, "PATH": f"{kubectl.parent}:{os.environ['PATH']}", "FAKE_KUBECTL_STORE": str(store)}
    script = K8S / "secrets.sh"
    subprocess.run(["bash", str(script), "hub-test"], env=env, check=True, capture_output=True)
    made = {p.name for p in store.iterdir()}
    assert made == {f"hub-db-{name}" for name in SERVICES} | {"hub-internal-token", "hub-admin-bootstrap"}
    for name, body in SERVICES.items():
        folder = store / f"hub-db-{name}"
        # CloudNativePG requires a managed role's secret to be basic-auth with the role's name as its username.
        assert (folder / ".type").read_text() == "kubernetes.io/basic-auth"
        assert (folder / "username").read_text() == body["database"]
        assert len((folder / "password").read_text()) >= 32
    token = store / "hub-internal-token"
    private = serialization.load_pem_private_key((token / "private-key").read_bytes(), password=None)
    (public_pem,) = json.loads((token / "public-keys").read_text())
    public = serialization.load_pem_public_key(public_pem.encode())
    assert isinstance(private, Ed25519PrivateKey)
    assert isinstance(public, Ed25519PublicKey)
    public.verify(private.sign(b"internal token"), b"internal token")
    TokenVerifier([public_pem], audience="catalog")
    # A second run changes nothing: passwords already in use are never replaced.
    before = {p: p.read_bytes() for p in store.rglob("*") if p.is_file()}
    subprocess.run(["bash", str(script), "hub-test"], env=env, check=True, capture_output=True)
    assert {p: p.read_bytes() for p in store.rglob("*") if p.is_file()} == before


# --- the init container's script, on the test PostgreSQL server ----------------------------------------------------


def wait_script() -> ModuleType:
    """The init container's script (deploy/k8s/base/scripts, shipped in a ConfigMap), loaded from its file."""
    path = K8S / "base" / "scripts" / "wait_for_migrations.py"
    spec = importlib.util.spec_from_file_location("wait_for_migrations", path)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.integration
async def test_a_service_waits_until_its_migration_job_brought_its_database_to_head(infra: Infra) -> None:
    script = wait_script()
    url = infra.database(f"t_k8s_wait_{uuid.uuid4().hex[:12]}")
    head = script.newest_revision("catalog")
    assert head is not None
    # Before the database exists, and while it has no migration, the init container keeps waiting.
    assert await script.wait(url, head, seconds=0) is False
    await ensure_database(url)
    try:
        assert await script.wait(url, head, seconds=0) is False
        await upgrade_to_head(migrations_of("catalog"), url)
        assert await script.wait(url, head, seconds=0) is True
    finally:
        await infra.drop_database(url)


def test_the_waiting_script_puts_the_password_file_s_content_into_the_database_url() -> None:
    url = wait_script().database_url
    env = {"DATABASE_URL": "postgresql://hub_catalog@hub-postgres-rw:5432/hub_catalog", "DATABASE_PASSWORD": "p4ss"}
    assert url(env) == "postgresql://hub_catalog:p4ss@hub-postgres-rw:5432/hub_catalog"
    assert url({**env, "DATABASE_URL": "postgresql://u:given@h/d"}) == "postgresql://u:given@h/d"
