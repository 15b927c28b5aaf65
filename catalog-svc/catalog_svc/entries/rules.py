"""The Measures' rules on catalogue entries, as pure functions over an entry's elements.

Each takes the elements as a mapping (a version row or a request body alike) and returns the violations found.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from catalog_svc.entries.vocabulary import A13_ELEMENTS
from catalog_svc.regions.patterns import MAX_SUBJECT_LENGTH, PatternError, full_match
from hub.contracts.vocabulary import Category, OpenType, Secrecy, ShareType, UpdateCycle
from hub.violations import Violation

Elements = Mapping[str, Any]


@dataclass(frozen=True)
class CompilationRequirements:
    """A region's compilation rules (A13.2); the defaults are the elements A13.1 names."""

    required_elements: tuple[str, ...] = A13_ELEMENTS
    allowed_update_cycles: tuple[str, ...] = tuple(UpdateCycle)
    code_pattern: str = r"^\d{2}(-\d{2}){0,3}/\d{3,6}$"


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or (isinstance(value, str) and not value.strip())


def missing_elements(elements: Elements, rules: CompilationRequirements) -> list[Violation]:
    """Every element the entry leaves out of those A13.1 names (always required) and those the region's bureau
    adds (A13.2)."""
    required = dict.fromkeys((*A13_ELEMENTS, *rules.required_elements))
    return [
        Violation(name, "required before submission", "A13.1" if name in A13_ELEMENTS else "A13.2")
        for name in required
        if _blank(elements.get(name))
    ]


def share_attribute_violations(elements: Elements) -> list[Violation]:
    """Conditional and not-shared need a legal basis; conditional needs its conditions (A19.2)."""
    share_type = elements.get("share_type")
    found = []
    if share_type in (ShareType.conditional, ShareType.not_shared) and _blank(elements.get("share_legal_basis")):
        found.append(Violation("share_legal_basis", f"a {share_type} entry needs its legal basis", "A19.2"))
    if share_type == ShareType.conditional and _blank(elements.get("share_conditions")):
        found.append(Violation("share_conditions", "a conditional entry states its sharing conditions", "A19.2"))
    return found


def open_attribute_violations(elements: Elements) -> list[Violation]:
    """Not-open needs a legal basis; conditional-open needs its conditions (A22.1)."""
    open_type = elements.get("open_type")
    found = []
    if open_type == OpenType.not_open and _blank(elements.get("open_legal_basis")):
        found.append(Violation("open_legal_basis", "a not-open entry needs its legal basis", "A22.1"))
    if open_type == OpenType.conditional and _blank(elements.get("open_conditions")):
        found.append(Violation("open_conditions", "a conditionally open entry states its conditions", "A22.1"))
    return found


def secrecy_violations(elements: Elements) -> list[Violation]:
    """Secret-classified data is neither shared nor opened (A38.1, A22.1)."""
    if elements.get("secrecy") != Secrecy.secret:
        return []
    found = []
    if elements.get("share_type") not in (None, ShareType.not_shared):
        found.append(Violation("share_type", "secret-classified data cannot be shared", "A38.1"))
    if elements.get("open_type") not in (None, OpenType.not_open):
        found.append(Violation("open_type", "secret-classified data can never be opened", "A38.1"))
    return found


def category_violations(elements: Elements) -> list[Violation]:
    """A base-database entry names which of the five base databases it belongs to, and only it does (A18.1)."""
    category, base = elements.get("category"), elements.get("base_database")
    if category == Category.base and _blank(base):
        return [Violation("base_database", "a base entry names its base database", "A18.1")]
    if category != Category.base and not _blank(base):
        return [Violation("base_database", "only base entries belong to a base database", "A18.1")]
    return []


def compilation_violations(elements: Elements, code: str, rules: CompilationRequirements) -> list[Violation]:
    """The region's allowed update cycles and resource-code format (A13.2); the pattern is matched by RE2, in time
    linear in the code, so no pattern a bureau sets can stall submissions (A28.1)."""
    found = []
    cycle = elements.get("update_cycle")
    if cycle is not None and cycle not in rules.allowed_update_cycles:
        allowed = ", ".join(rules.allowed_update_cycles)
        found.append(Violation("update_cycle", f"{cycle} is not allowed here (allowed: {allowed})", "A13.2"))
    if len(code) > MAX_SUBJECT_LENGTH:
        found.append(Violation("code", f"a resource code has at most {MAX_SUBJECT_LENGTH} characters", "A13.2"))
        return found
    try:
        if not full_match(rules.code_pattern, code):
            message = f"{code!r} does not match the region's pattern {rules.code_pattern}"
            found.append(Violation("code", message, "A13.2"))
    except PatternError as exc:
        # A pattern stored before patterns were compiled with RE2 may not compile: say so rather than fail.
        message = f"the region's code pattern cannot be used ({exc}); its bureau sets it again"
        found.append(Violation("code", message, "A13.2"))
    return found


def item_violations(elements: Elements) -> list[Violation]:
    """Items have unique names; a key item is required (records upsert by it in the big data centre)."""
    items = elements.get("items") or []
    found = []
    names = [i["name"] for i in items]
    for duplicate in sorted({n for n in names if names.count(n) > 1}):
        found.append(Violation(f"items.{duplicate}", "item names are unique within an entry", "A13.1"))
    for item in items:
        if item.get("key") and not item.get("required"):
            found.append(Violation(f"items.{item['name']}", "a key item must be required", "A13.1"))
    return found


def submission_violations(elements: Elements, code: str, rules: CompilationRequirements) -> list[Violation]:
    """Everything that stops an entry from being submitted for review (A13.1, A13.2, A18.1, A19.2, A22.1, A38.1)."""
    return [
        *missing_elements(elements, rules),
        *compilation_violations(elements, code, rules),
        *share_attribute_violations(elements),
        *open_attribute_violations(elements),
        *secrecy_violations(elements),
        *category_violations(elements),
        *item_violations(elements),
    ]


@dataclass(frozen=True)
class SourceConflict:
    """An item of this entry that another agency is the authoritative source of (A15.3)."""

    item: str
    label: str
    authoritative_agency_id: str
    authoritative_entry_code: str
    resolved_by: str | None  # "source" (cited the source entry), "justification", or None


def source_conflicts(
    items: Iterable[Mapping[str, Any]],
    item_sources: Mapping[str, Mapping[str, Any]],
    register: Mapping[str, tuple[str, str]],
    provider_agency_id: str,
) -> list[SourceConflict]:
    """Items collected again although another agency is their one source (A15.3: one data, one source).

    `register` maps an item label to (authoritative agency id, its entry code).
    """
    conflicts = []
    for item in items:
        owner = register.get(item["label"])
        if owner is None or owner[0] == provider_agency_id:
            continue
        source = item_sources.get(item["name"]) or {}
        resolved = (
            "source"
            if source.get("source_entry_code") == owner[1]
            else "justification"
            if source.get("justification")
            else None
        )
        conflicts.append(SourceConflict(item["name"], item["label"], owner[0], owner[1], resolved))
    return conflicts


def unresolved_conflict_violations(conflicts: Iterable[SourceConflict]) -> list[Violation]:
    """An item duplicating another agency's authoritative item must cite that source or justify itself (A15.3)."""
    return [
        Violation(
            f"item_sources.{c.item}",
            f"{c.label} is collected by agency {c.authoritative_agency_id} in {c.authoritative_entry_code}: "
            "cite that entry (obtain it by sharing) or justify collecting it again",
            "A15.3",
        )
        for c in conflicts
        if c.resolved_by is None
    ]
