"""The portal's texts in both languages (A24.1: a Chinese portal with an English switch), without a server: every
message has both, with the same values to fill; every value of the vocabularies a page shows has a text; every text
the page's script asks for is sent to it."""

from __future__ import annotations

import re
import string
from enum import StrEnum
from pathlib import Path

import pytest

from hub.contracts.vocabulary import BaseDatabase, Category, ItemType, OpenType, UpdateCycle
from open_svc.applications.lifecycle import ApplicationState
from open_svc.applications.schemas import ApplicantKind, DataFormat
from open_svc.datasets.rules import Distribution
from open_svc.datasets.schemas import Sort
from open_svc.demands.lifecycle import DemandState
from open_svc.demands.schemas import DemandOutcome
from open_svc.feedback.lifecycle import ReportState
from open_svc.feedback.schemas import ReportKind
from open_svc.portal.i18n import Language, Translator, script_messages
from open_svc.portal.messages import MESSAGES
from open_svc.quality.rules import MQA_RATINGS

SCRIPT = Path(__file__).resolve().parents[3] / "open-svc/open_svc/portal/static/portal.js"
CJK = re.compile(r"[\u3400-\u9fff]")
# Chinese texts that are only names of formats (with Chinese punctuation): no Chinese word in them.
FORMAT_NAMES = frozenset({"basis.has_open_format", "basis.non_proprietary", "basis.machine_readable"})
# Statuses the script explains in words of its own (js.problem.<status>): no connection, and the hub's problems.
SCRIPT_STATUSES = (0, 400, 401, 403, 404, 409, 413, 422, 429)


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_is_in_chinese_and_in_english_with_the_same_values_A24_1() -> None:
    def defects(key: str, chinese: str, english: str) -> list[str]:
        found = [] if chinese.strip() and english.strip() else ["empty"]
        if fields(chinese) != fields(english):
            found.append(f"values {fields(chinese)} / {fields(english)}")
        # Chinese in Chinese, and no Chinese in English, but in the switch between them ("English" / "中文") and in
        # the example of a Chinese search word.
        if key not in ("lang.switch", "search.hint"):
            if not (CJK.search(chinese) or key in FORMAT_NAMES):
                found.append("no Chinese in the Chinese text")
            if CJK.search(english):
                found.append("Chinese in the English text")
        return found

    assert {key: d for key, (zh, en) in MESSAGES.items() if (d := defects(key, zh, en))} == {}


def test_a_message_missing_from_the_catalogue_fails_rather_than_showing_its_key() -> None:
    with pytest.raises(KeyError):
        Translator(Language.zh)("no.such.message")
    assert Translator(Language.en)("card.counts", views=3, downloads=1) == "Views: 3 · Downloads: 1"


@pytest.mark.parametrize(
    ("prefix", "values"),
    [
        ("open_type", [OpenType.unconditional, OpenType.conditional]),  # a page never shows a not-open entry
        ("category", list(Category)),
        ("base_database", list(BaseDatabase)),
        ("update_cycle", list(UpdateCycle)),
        ("item_type", list(ItemType)),
        ("format", [*Distribution, *DataFormat]),
        ("sort", list(Sort)),
        ("applicant_kind", list(ApplicantKind)),
        ("application_state", [s for s in ApplicationState if s != ApplicationState.new]),
        ("report_kind", list(ReportKind)),
        ("report_state", [s for s in ReportState if s != ReportState.new]),
        ("demand_state", [s for s in DemandState if s != DemandState.new]),
        ("demand_outcome", list(DemandOutcome)),
        ("rating", [rating for _, rating in MQA_RATINGS]),
    ],
)
def test_every_value_a_page_shows_has_its_text_A24_1(prefix: str, values: list[StrEnum | str]) -> None:
    assert [v for v in values if f"{prefix}.{v}" not in MESSAGES] == []


def test_the_script_is_sent_every_text_it_asks_for_in_the_pages_language_A24_1() -> None:
    script = SCRIPT.read_text(encoding="utf-8")
    asked = set(re.findall(r"\bt\(\"([a-z_.0-9]+)\"", script)) | set(re.findall(r"\"(js\.[a-z_.0-9]+)\"", script))
    asked |= {f"js.problem.{status}" for status in (*SCRIPT_STATUSES, "other")}
    # Texts named by a state or kind the API answers: every value of theirs.
    asked |= {f"application_state.{s}" for s in ApplicationState if s != ApplicationState.new}
    asked |= {f"report_state.{s}" for s in ReportState if s != ReportState.new}
    asked |= {f"report_kind.{k}" for k in ReportKind}
    assert f"known = [{', '.join(map(str, SCRIPT_STATUSES))}]" in script
    for language in Language:
        sent = script_messages(language)
        assert sorted(asked - sent.keys()) == []
    assert script_messages(Language.en)["js.signout"] == "Sign out"
    assert script_messages(Language.zh)["js.signout"] == "退出"
