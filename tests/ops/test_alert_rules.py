"""The alert rules and the scrape configuration in deploy/prometheus, checked by Prometheus's own promtool (from
Debian's `prometheus` package, which `make test` installs): the rules parse, every alert is unit-tested firing
(rules.test.yml), the overdue-duty alerts cite their requirement, and the scrape configuration is valid and is the
generator's (hub.metrics_scrape) for services/mesh.toml."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from hub.mesh import load_mesh
from hub.metrics_scrape import mesh_targets, scrape_config

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
RULES, RULES_TEST, CONFIG = DEPLOY / "rules.yml", DEPLOY / "rules.test.yml", DEPLOY / "prometheus.yml"


@pytest.fixture(scope="module")
def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("promtool is not installed: `make prometheus` installs Debian's prometheus package")
    return path


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def test_promtool_checks_the_rules(promtool: str) -> None:
    checked = run(promtool, "check", "rules", str(RULES))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS" in checked.stdout


def test_every_alert_fires_and_stays_quiet_as_its_unit_tests_say(promtool: str) -> None:
    tested = run(promtool, "test", "rules", str(RULES_TEST))
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout


def test_every_alert_has_a_unit_test_where_it_fires() -> None:
    alerts = set(re.findall(r"^\s+- alert: (\w+)$", RULES.read_text(), re.MULTILINE))
    # An alert test that expects alerts lists exp_labels after its alertname.
    firing = set(re.findall(r"alertname: (\w+)\n\s+exp_alerts:\n\s+- exp_labels:", RULES_TEST.read_text()))
    assert {"HubConsumerLagging", "HubOutboxBacklogAging", "HubDeadLettersGrowing", "HubAuditWriterStalled",
            "HubShareReviewsOverdue"} <= alerts  # fmt: skip
    assert alerts - firing == set()


def test_the_overdue_alerts_cite_the_requirement_they_watch_A14_2_A20_2_A24_2() -> None:
    rules = RULES.read_text()
    for alert, requirement in (("HubShareReviewsOverdue", "A20.2"), ("HubOpenApplicationsOverdue", "A24.2"),
                               ("HubChangeNoticesOverdue", "A14.2")):  # fmt: skip
        body = rules.split(f"- alert: {alert}\n", 1)[1].split("- alert:", 1)[0]
        assert f"requirement: {requirement}" in body
        assert f"({requirement})" in body.split("summary:", 1)[1]


def test_promtool_checks_the_scrape_configuration(promtool: str) -> None:
    checked = run(promtool, "check", "config", str(CONFIG))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_scrape_configuration_is_the_generators_for_the_mesh() -> None:
    generated = scrape_config(mesh_targets(load_mesh()), rule_files=["rules.yml"])
    assert CONFIG.read_text() == generated, "regenerate: python -m hub.metrics_scrape --rules rules.yml"
    for name, service in load_mesh().services.items():
        assert f'job_name: "{name}"' in generated
        assert f'targets: ["127.0.0.1:{service.port}"]' in generated


def test_with_replicas_every_instance_of_every_service_is_scraped_under_its_services_job() -> None:
    # make up REPLICAS=2 (services/run.py): instance 1 of a service listens 10 ports above its declared one.
    generated = scrape_config(mesh_targets(load_mesh(), replicas=2))
    for name, service in load_mesh().services.items():
        job = generated.split(f'job_name: "{name}"\n', 1)[1].split("- job_name:", 1)[0]
        assert f'targets: ["127.0.0.1:{service.port}", "127.0.0.1:{service.port + 10}"]' in job
