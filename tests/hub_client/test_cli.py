"""The command line's usage errors: refused before anything is read or sent, with argparse's status 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub_client.cli import main

ENTRY = "6f1c1b9e-4d0b-4a53-9d49-3f3c2a1d9b10"


@pytest.fixture(autouse=True)
def no_credentials_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HUB_CLIENT_ID", "HUB_CLIENT_SECRET", "HUB_GATEWAY_URL"):
        monkeypatch.delenv(name, raising=False)


def status_of(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert isinstance(exited.value.code, int)
    return exited.value.code, capsys.readouterr().err


def test_a_job_without_credentials_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.csv").write_text("id\n1\n")
    status, err = status_of(["ingest", "--entry", ENTRY, str(tmp_path / "a.csv")], capsys)
    assert status == 2
    assert "HUB_CLIENT_ID and HUB_CLIENT_SECRET" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ingest", "--entry", "not-a-uuid", "a.csv"], "not an entry id"),
        (["ingest", "--entry", ENTRY, "--batch-size", "0", "a.csv"], "between 1 and"),
        (["ingest", "--entry", ENTRY, "--mode", "append", "a.csv"], "invalid choice"),
        (["ingest", "--entry", ENTRY, "--client-id", "j", "--client-secret", "s", "missing.csv"], "no such file"),
        (["ingest", "a.csv"], "--entry"),
        (["catalogue", "export"], "invalid choice"),
    ],
)
def test_bad_arguments_are_refused_naming_what_is_wrong(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, err = status_of(args, capsys)
    assert status == 2
    assert message in err
