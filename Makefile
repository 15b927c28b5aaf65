# The hub's entry points. `make up` runs the whole hub on its own PostgreSQL and Kafka; `make test` runs the tests.
# Set DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS to use existing servers instead of the private ones.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

RUN_DIR ?= $(CURDIR)/.run
PY := $(CURDIR)/.venv/bin/python
UV := $(CURDIR)/.tools/bin/uv
UV_VERSION := 0.13.8
PG_PORT ?= 55432
KAFKA_PORT ?= 59092
KAFKA_CONTROLLER_PORT ?= 59093
# The trace UI (Zipkin): http://127.0.0.1:$(ZIPKIN_PORT)/zipkin/. ZIPKIN_URL=http://host:9411 uses an existing one.
ZIPKIN_PORT ?= 59411
# Prometheus, scraping every service of services/mesh.toml with deploy/prometheus/rules.yml.
PROMETHEUS_PORT ?= 59090
# Instances of every service for make up (instance k on its port + k*10: the gateways on 8100 and 8110).
REPLICAS ?= 1
# The tests get servers of their own, so they can run while `make up` is serving.
TEST_RUN_DIR := $(RUN_DIR)/test
TEST_PG_PORT ?= 55442
TEST_KAFKA_PORT ?= 59192
TEST_KAFKA_CONTROLLER_PORT ?= 59193
# Three pytest workers, each taking whole files, and a package's files together (tests/scheduling.py), so that a
# module's or a package's world is built once: most integration tests wait on Kafka and PostgreSQL, so three overlap
# well even on two cores (four starved PostgreSQL: audit commits passed their 10 s limit). PYTEST_ARGS="-n 0
# tests/share" runs serially.
PYTEST_ARGS ?= -n 3 --dist loadfile --durations=30 -m "not drill"
# Whole-run limits (seconds), beyond pytest-timeout's per test: a thread left running after the last test (a drill's
# publisher retrying a stopped broker) once kept pytest from exiting until CI's 90 minutes ran out. `timeout` ends
# pytest and its workers (its process group) instead, and the run fails with 124. About 8 and 3 minutes are usual.
TEST_TIME_LIMIT ?= 2700
DRILL_TIME_LIMIT ?= 1500
LINT_PATHS := libs catalog-svc share-svc open-svc aggregation-svc supervision-svc gateway services tests bench tools hub-client deploy

export RUN_DIR

.PHONY: help install browser prometheus zipkin-jars up down status test test-servers stop-test-servers lint clean bench docs docs-events mutate drill test-drills

help:
	@echo "make up      run the whole hub (gateway on http://127.0.0.1:8100, traces on http://127.0.0.1:$(ZIPKIN_PORT)/zipkin/)"
	@echo "make down    stop everything make up started"
	@echo "make test    lint, then all tests on private PostgreSQL and Kafka"
	@echo "make lint    the file-size check, ruff, ruff format --check, mypy"
	@echo "make docs    regenerate docs/compliance.md and docs/events/asyncapi.json"
	@echo "make bench   gateway vs direct vs nginx vs bare Python proxy, catalogue search, big data centre ingest (.run/bench/results.json)"
	@echo "make image   the services' container image (podman), for deploy/container/compose.yaml and deploy/k8s"
	@echo "make mutate  mutation testing of the rules, the access table and the audit chain (.run/mutate/report.md)"

$(UV):
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Compiled to bytecode at install, as the container image is: where PYTHONDONTWRITEBYTECODE is set (it is on these
# machines) nothing is ever cached, and every process the tests, drills and make up start compiled SQLAlchemy,
# FastAPI, pydantic and the hub again: importing the gateway took 7.8 s of CPU that way, 2.9 s from bytecode.
.venv/.synced: $(UV) uv.lock pyproject.toml */pyproject.toml
	$(UV) sync --frozen --quiet --compile-bytecode
	touch $@

# The console's charting library, fetched from its npm package and checked against its pinned sha512 (not
# committed: a megabyte of minified code belongs to its registry).
ECHARTS := gateway/gateway/console/vendor/echarts.min.js
$(ECHARTS): tools/vendor_echarts.py | .venv/.synced
	$(PY) tools/vendor_echarts.py

# The hub's own modules too (into __pycache__, which git ignores); compileall skips what is up to date.
install: .venv/.synced $(ECHARTS)
	$(PY) -m compileall -q -j 0 $(LINT_PATHS)

# The official AsyncAPI 3.0 JSON Schema (npm @asyncapi/specs), which the events' document is validated against.
ASYNCAPI_SCHEMA := $(RUN_DIR)/asyncapi/asyncapi-3.0.0.json
$(ASYNCAPI_SCHEMA):
	mkdir -p $(@D)
	cd $(@D) && npm pack --silent @asyncapi/specs@6.11.1 >/dev/null && tar xzf asyncapi-specs-6.11.1.tgz \
		&& cp 'package/schemas/3.0.0-without-$$id.json' $(@F) && rm -rf package asyncapi-specs-6.11.1.tgz

# Debian's Chromium for the browser tests (Playwright drives it; its own browser download cannot be reached), and
# CJK fonts so Chinese pages do not render as boxes in screenshots.
browser:
	command -v chromium >/dev/null || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk)

# Debian's Prometheus (2.42) and its promtool: make up's metrics server, and the metrics and alert-rule tests.
# Without recommends: the node exporter and its timers are not the hub's.
prometheus:
	command -v prometheus >/dev/null && command -v promtool >/dev/null || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus)

# Zipkin's executable server jar (Maven, deploy/zipkin/pom.xml), which make up and the trace test run.
zipkin-jars:
	deploy/zipkin.sh jars

# The services send their spans to Zipkin with OpenTelemetry's Zipkin exporter (README, "Traces"); an
# OTEL_EXPORTER_OTLP_ENDPOINT set here sends them over OTLP as well, OTEL_TRACES_EXPORTER chooses outright. The
# local hub records every trace (HUB_TRACE_SAMPLE_RATIO=1), for operators trying it; production keeps a tenth.
up: install prometheus
	deploy/postgres.sh start
	deploy/kafka.sh start
	ZIPKIN_PORT=$(ZIPKIN_PORT) deploy/zipkin.sh start
	OTEL_EXPORTER_ZIPKIN_ENDPOINT="$${OTEL_EXPORTER_ZIPKIN_ENDPOINT:-$$(ZIPKIN_PORT=$(ZIPKIN_PORT) deploy/zipkin.sh spans-endpoint)}" \
	HUB_TRACE_SAMPLE_RATIO="$${HUB_TRACE_SAMPLE_RATIO:-1}" \
	$(PY) services/run.py up \
		--database-url "$${DATABASE_URL:-$$(PG_PORT=$(PG_PORT) deploy/postgres.sh url)}" \
		--kafka "$${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:$(KAFKA_PORT)}" --replicas $(REPLICAS)
	PROMETHEUS_PORT=$(PROMETHEUS_PORT) PROMETHEUS_REPLICAS=$(REPLICAS) deploy/prometheus.sh start
	@echo "Traces (Zipkin): $$(ZIPKIN_PORT=$(ZIPKIN_PORT) deploy/zipkin.sh url)"
	@echo "Metrics (Prometheus): $$(PROMETHEUS_PORT=$(PROMETHEUS_PORT) deploy/prometheus.sh url)  (alerts: /alerts)"
	@echo "Console: http://127.0.0.1:8100/console/"

down:
	PROMETHEUS_PORT=$(PROMETHEUS_PORT) deploy/prometheus.sh stop
	@if [ -x $(PY) ]; then $(PY) services/run.py down; fi
	ZIPKIN_PORT=$(ZIPKIN_PORT) deploy/zipkin.sh stop
	deploy/kafka.sh stop
	deploy/postgres.sh stop

status: install
	$(PY) services/run.py status || true
	deploy/postgres.sh status || true
	deploy/kafka.sh status || true
	ZIPKIN_PORT=$(ZIPKIN_PORT) deploy/zipkin.sh status || true
	PROMETHEUS_PORT=$(PROMETHEUS_PORT) deploy/prometheus.sh status || true

# A hub of its own beside make up's (ports +2000, bench_ databases, bench. topics) on the same servers; see bench/.
# vegeta paces the direct read at the gateway's rate (bench/README.md); built from its Go module into .tools/bin.
VEGETA_VERSION := v12.13.0
bench: install
	command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)
	$(GO) version -m .tools/bin/vegeta 2>/dev/null | grep -q "tsenart/vegeta/v12[[:space:]]*$(VEGETA_VERSION)" \
		|| GOBIN=$(CURDIR)/.tools/bin $(GO) install github.com/tsenart/vegeta/v12@$(VEGETA_VERSION)
	command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light)
	deploy/postgres.sh start
	deploy/kafka.sh start
	$(PY) bench/broker_state.py --kafka "$${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:$(KAFKA_PORT)}"
	$(PY) bench/gateway_read.py \
		--database-url "$${DATABASE_URL:-$$(PG_PORT=$(PG_PORT) deploy/postgres.sh url)}" \
		--kafka "$${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:$(KAFKA_PORT)}" $(BENCH_ARGS)
	$(PY) bench/catalog_search.py \
		--database-url "$${DATABASE_URL:-$$(PG_PORT=$(PG_PORT) deploy/postgres.sh url)}"
	$(PY) bench/aggregation_ingest.py \
		--database-url "$${DATABASE_URL:-$$(PG_PORT=$(PG_PORT) deploy/postgres.sh url)}" \
		--kafka "$${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:$(KAFKA_PORT)}"
	$(PY) bench/aggregation_ingest.py --open-entry \
		--database-url "$${DATABASE_URL:-$$(PG_PORT=$(PG_PORT) deploy/postgres.sh url)}" \
		--kafka "$${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:$(KAFKA_PORT)}"
	$(PY) bench/open_replica_lag.py \
		--database-url "$${DATABASE_URL:-$$(PG_PORT=$(PG_PORT) deploy/postgres.sh url)}" \
		--kafka "$${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:$(KAFKA_PORT)}"
	$(PY) bench/open_downloads.py \
		--database-url "$${DATABASE_URL:-$$(PG_PORT=$(PG_PORT) deploy/postgres.sh url)}" \
		--kafka "$${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:$(KAFKA_PORT)}"
	$(PY) bench/leak_tracer.py
	$(PY) bench/grant_revocation.py \
		--database-url "$${DATABASE_URL:-$$(PG_PORT=$(PG_PORT) deploy/postgres.sh url)}" \
		--kafka "$${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:$(KAFKA_PORT)}"
	$(PY) bench/event_latency.py \
		--database-url "$${DATABASE_URL:-$$(PG_PORT=$(PG_PORT) deploy/postgres.sh url)}" \
		--kafka "$${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:$(KAFKA_PORT)}"
	$(PY) bench/summary.py

lint: install
	$(PY) tools/file_sizes.py
	.venv/bin/ruff check $(LINT_PATHS)
	.venv/bin/ruff format --check $(LINT_PATHS)
	.venv/bin/mypy $(LINT_PATHS)

test-servers: install
	RUN_DIR=$(TEST_RUN_DIR) PG_PORT=$(TEST_PG_PORT) PG_TUNING=test deploy/postgres.sh start
	RUN_DIR=$(TEST_RUN_DIR) KAFKA_JARS=$(RUN_DIR)/kafka-jars KAFKA_PORT=$(TEST_KAFKA_PORT) KAFKA_FRESH=1 \
		KAFKA_CONTROLLER_PORT=$(TEST_KAFKA_CONTROLLER_PORT) deploy/kafka.sh start

stop-test-servers:
	RUN_DIR=$(TEST_RUN_DIR) KAFKA_PORT=$(TEST_KAFKA_PORT) deploy/kafka.sh stop
	RUN_DIR=$(TEST_RUN_DIR) PG_PORT=$(TEST_PG_PORT) deploy/postgres.sh stop

# Lint first, so a lint failure leaves no test servers running; the servers are stopped whatever pytest's outcome, and
# pytest's exit code is make's.
test: install lint browser prometheus zipkin-jars k8s-tools $(ASYNCAPI_SCHEMA) test-servers
	status=0; \
	HUB_TEST_DATABASE_URL="$${DATABASE_URL:-postgresql://hub@127.0.0.1:$(TEST_PG_PORT)/postgres}" \
	HUB_TEST_KAFKA_BOOTSTRAP_SERVERS="$${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:$(TEST_KAFKA_PORT)}" \
	HUB_TEST_KAFKA_JARS="$(RUN_DIR)/kafka-jars" HUB_TEST_ASYNCAPI_SCHEMA="$(ASYNCAPI_SCHEMA)" \
	HUB_TEST_ZIPKIN_JARS="$(RUN_DIR)/zipkin-jars" \
		timeout --kill-after=30 $(TEST_TIME_LIMIT) $(PY) -m pytest $(PYTEST_ARGS) || status=$$?; \
	$(MAKE) --no-print-directory stop-test-servers; \
	exit $$status

# The fault drills (A29.1, tools/drill.py): hubs of two replicas per service, one piece killed with SIGKILL under
# load, lost and duplicated counted in the databases; prints the table. The replica and gateway drills run on make up's
# servers (started here if need be); the Kafka and PostgreSQL drills kill a private broker and cluster of their own.
# DRILL_ARGS="--only kafka --events 2000" runs a part.
drill: install
	deploy/postgres.sh start
	deploy/kafka.sh start
	$(PY) -m tools.drill \
		--database-url "$${DATABASE_URL:-$$(PG_PORT=$(PG_PORT) deploy/postgres.sh url)}" \
		--kafka "$${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:$(KAFKA_PORT)}" $(DRILL_ARGS)

# The drills as tests, at smaller volumes (tests/drills, marked `drill`), on the test servers, stopped afterwards
# whatever pytest's outcome (as `make test` does), and pytest's exit code is make's.
test-drills: install test-servers
	status=0; \
	HUB_TEST_DATABASE_URL="$${DATABASE_URL:-postgresql://hub@127.0.0.1:$(TEST_PG_PORT)/postgres}" \
	HUB_TEST_KAFKA_BOOTSTRAP_SERVERS="$${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:$(TEST_KAFKA_PORT)}" \
		timeout --kill-after=30 $(DRILL_TIME_LIMIT) $(PY) -m pytest -n 0 -m drill tests/drills || status=$$?; \
	$(MAKE) --no-print-directory stop-test-servers; \
	exit $$status

# Mutation testing (cosmic-ray, in copies of the tree under .run/mutate): not part of make test or CI. About 7
# minutes on two idle cores; MUTATE_ARGS="--only chain" for one module, "--only ingest" for the ingest rules.
mutate: install
	$(PY) tools/mutate.py $(MUTATE_ARGS)

# The generated documents: the compliance matrix from the ids the code and tests cite (A34.1), and the events'
# AsyncAPI document from the contracts. A test fails while either is stale.
docs: install docs-events
	$(PY) tools/compliance.py > docs/compliance.md

docs-events: install
	$(PY) -m hub.contracts.asyncapi > docs/events/asyncapi.json

# The Kubernetes manifests' tools (deploy/k8s, tests/deploy/test_k8s.py): kustomize and kubeconform built from their
# Go modules into $(RUN_DIR)/go/bin, and the JSON schemas kubeconform validates against offline (Kubernetes 1.34
# from PyPI's kubernetes-validate, CloudNativePG's CRDs from its Go module: tools/k8s_schemas.py). Idempotent: a
# binary of the pinned version is kept.
.PHONY: k8s-tools
GO ?= /usr/local/go/bin/go
K8S_GOBIN := $(RUN_DIR)/go/bin
KUSTOMIZE_VERSION := v5.8.1
KUBECONFORM_VERSION := v0.7.0
k8s-tools: install
	$(GO) version -m $(K8S_GOBIN)/kustomize 2>/dev/null | grep -q "kustomize/v5[[:space:]]*$(KUSTOMIZE_VERSION)" \
		|| GOBIN=$(K8S_GOBIN) $(GO) install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)
	$(GO) version -m $(K8S_GOBIN)/kubeconform 2>/dev/null | grep -q "yannh/kubeconform[[:space:]]*$(KUBECONFORM_VERSION)" \
		|| GOBIN=$(K8S_GOBIN) $(GO) install github.com/yannh/kubeconform/cmd/kubeconform@$(KUBECONFORM_VERSION)
	GO=$(GO) $(PY) tools/k8s_schemas.py --out $(RUN_DIR)/k8s-schemas --pip $(CURDIR)/.tools/bin/pip

# The one container image of every service (deploy/container/Containerfile), for deploy/container/compose.yaml
# and Kubernetes; not part of make test (about six minutes). Podman from Debian's packages. Where the pinned
# Debian base cannot be pulled (no image registry is reachable from the project's machines) deploy/container/base.sh
# makes the same release with debootstrap. CONTAINER_FLAGS suit these machines: crun refuses their hybrid cgroups,
# and the containers' limits must stay within the machine's (no CAP_SYS_RESOURCE); empty them elsewhere. The
# machine's CA bundle is a build secret, for a TLS-inspecting proxy in front of the registries; it is not in the image.
IMAGE ?= localhost/public-data-hub:dev
IMAGE_BASE ?= docker.io/library/debian:bookworm-20250520-slim
CONTAINER_FLAGS ?= --runtime runc
CONTAINER_RUN_FLAGS ?= --ulimit nofile=16384:16384 --ulimit nproc=4096:4096
.PHONY: image
image:
	command -v podman >/dev/null && command -v runc >/dev/null && command -v debootstrap >/dev/null || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc debootstrap)
	base="$(IMAGE_BASE)"; podman pull -q "$$base" >/dev/null 2>&1 || { \
		base=localhost/hub-base:bookworm-debootstrap; echo "$(IMAGE_BASE) cannot be pulled: using $$base"; \
		deploy/container/base.sh "$$base"; }; \
	podman $(CONTAINER_FLAGS) build $(CONTAINER_RUN_FLAGS) --build-arg BASE_IMAGE="$$base" \
		--secret id=ca-bundle,src=/etc/ssl/certs/ca-certificates.crt -f deploy/container/Containerfile -t $(IMAGE) .
	podman $(CONTAINER_FLAGS) run --rm $(CONTAINER_RUN_FLAGS) $(IMAGE) python -c 'import pathlib, gateway.app, \
		catalog_svc.app, share_svc.app, open_svc.app, aggregation_svc.app, supervision_svc.app; \
		assert pathlib.Path(gateway.app.__file__).with_name("console").joinpath("vendor/echarts.min.js").stat().st_size'
	@echo "built $(IMAGE): deploy/container/compose.yaml runs it"

clean: down
	rm -rf $(RUN_DIR) .venv .tools
