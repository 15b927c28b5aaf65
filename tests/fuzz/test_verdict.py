"""The judge of the fuzzing suite, without a hub: what counts as an RFC 9457 problem and as a broken answer."""

from __future__ import annotations

import json

from fuzz.verdict import Finding, answer_defects, problem_defects, report

PROBLEM = "application/problem+json"


def problem(status: int, **members: object) -> bytes:
    return json.dumps(
        {"type": "/problems/invalid-input", "title": "Invalid input", "status": status, **members}
    ).encode()


def test_a_problem_document_with_type_title_and_the_answers_status_passes() -> None:
    assert problem_defects(422, PROBLEM, problem(422)) == []
    assert problem_defects(404, f"{PROBLEM}; charset=utf-8", problem(404)) == []
    assert problem_defects(200, "text/csv", b"a,b\n") == []


def test_an_error_in_another_content_type_or_missing_members_is_a_defect() -> None:
    assert problem_defects(400, "text/plain; charset=utf-8", b"Invalid HTTP request received.") == [
        f"error answered as text/plain; charset=utf-8, not {PROBLEM}"
    ]
    assert problem_defects(413, "application/json", problem(413)) == [
        f"error answered as application/json, not {PROBLEM}"
    ]
    assert problem_defects(422, PROBLEM, b"not json") == ["problem+json body is not JSON"]
    assert problem_defects(422, PROBLEM, json.dumps({"status": 400}).encode()) == [
        "problem without a string `type`",
        "problem without a string `title`",
        "problem `status` 400 is not the answer's 422",
    ]


def test_the_ckan_compatible_apis_own_errors_pass_and_nothing_resembling_them() -> None:
    envelope = {"help": "https://hub/api/3/action/help_show?name=x", "success": False,
                "error": {"__type": "Not Found Error", "message": "Not found"}}  # fmt: skip
    assert problem_defects(404, "application/json;charset=utf-8", json.dumps(envelope).encode()) == []
    assert problem_defects(400, "application/json", b'"Bad request: Action name not known: x"') == []
    for lookalike in ({**envelope, "success": True}, {"success": False, "error": "x"}, "Bad"):
        assert problem_defects(409, "application/json", json.dumps(lookalike).encode()) == [
            f"error answered as application/json, not {PROBLEM}"
        ]
    assert answer_defects(500, "application/json", json.dumps(envelope).encode()) == ["server error 500"]


def test_every_5xx_is_a_defect_even_as_a_problem() -> None:
    assert answer_defects(503, PROBLEM, problem(503)) == ["server error 503"]
    assert answer_defects(500, "text/plain", b"Internal Server Error") == [
        "server error 500",
        f"error answered as text/plain, not {PROBLEM}",
    ]
    assert answer_defects(409, PROBLEM, problem(409)) == []


def test_the_report_groups_findings_and_shows_their_requests() -> None:
    findings = [Finding("catalog POST /regions", "operator", 500, "server error 500", f"POST /regions #{n}", "{}")
                for n in range(3)]  # fmt: skip
    text = report([*findings, Finding("gateway GET /x", "anonymous", None, "no complete answer", "GET /x")])
    assert text.splitlines()[:6] == [
        "4 answers broke the contract, in 2 kinds:",
        "- catalog POST /regions as operator: 500 — server error 500 (×3)",
        "    request: POST /regions #0",
        "    request: POST /regions #1",
        "    request: POST /regions #2",
        "    answer:  {}",
    ]
    assert "- gateway GET /x as anonymous: None — no complete answer (×1)" in text
