"""Use cases of catalogue entries: compile, submit, review, publish, change, retire (A13–A15, A19, A22, A38).

They take the session and the verified caller, never commit, and record every state change's event in the
outbox of the same transaction.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.agencies import repository as agencies
from catalog_svc.deadlines import service as deadlines
from catalog_svc.entries import lifecycle, repository
from catalog_svc.entries.lifecycle import EntryAction
from catalog_svc.entries.models import Entry, EntryVersion
from catalog_svc.entries.rules import (
    CompilationRequirements,
    source_conflicts,
    submission_violations,
    unresolved_conflict_violations,
)
from catalog_svc.entries.schemas import CatalogueQuery, EntryCreate, EntryElements
from catalog_svc.regions import service as regions
from catalog_svc.sources import service as sources
from hub.contracts.catalog import (
    DataItemSpec,
    EntryChanged,
    EntryPublished,
    EntryRetired,
    EntryReturned,
    EntrySubmitted,
)
from hub.contracts.vocabulary import EntryState
from hub.errors import Conflict, Forbidden, InvalidInput, NotFound, Problem
from hub.internal_token import Caller
from hub.outbox import record_event
from hub.regions import region_contains
from hub.roles import OPERATOR_ROLES, Role, acts_for_agency
from hub.search import bigrams, normalise
from hub.violations import refuse_if_any

SOURCE = "/hub/catalog"
ELEMENT_FIELDS = tuple(EntryElements.model_fields)
# The states whose version an agency may (re)submit (A14.1).
SUBMITTABLE = frozenset(s for s in EntryState if EntryAction.submit in lifecycle.ENTRY_LIFECYCLE.allowed(s))


def _is_provider(caller: Caller, agency_id: uuid.UUID) -> bool:
    return Role.agency_system in caller.roles and caller.agency_id == str(agency_id)


def require_provider(caller: Caller, entry: Entry) -> None:
    """Only the responsible agency compiles and changes its entries (A14.1, A15.2)."""
    if not _is_provider(caller, entry.provider_agency_id):
        raise Forbidden("Only the entry's responsible agency may change it.", requirement="A15.2")


def require_reviewer(caller: Caller, entry: Entry) -> None:
    """Only a bureau reviewer of the entry's region reviews it (A14.1, A4.1)."""
    if Role.reviewer not in caller.roles:
        raise Forbidden("Reviewing catalogue entries needs the reviewer role.", requirement="A14.1")
    regions.require_scope(caller, entry.region_code)


def _search_columns(elements: dict[str, Any]) -> dict[str, Any]:
    """What the catalogue's search reads of a version: its words, normalised, and their bigrams (hub.search)."""
    labels = " ".join(i["label"] for i in elements.get("items") or [])
    text = normalise(f"{elements.get('name') or ''} {elements.get('summary') or ''} {labels}")
    return {"search_text": text, "bigrams": bigrams(text)}


def _apply_elements(version: EntryVersion, elements: dict[str, Any]) -> None:
    for name, value in {**{n: elements.get(n) for n in ELEMENT_FIELDS}, **_search_columns(elements)}.items():
        setattr(version, name, value)


def elements_of(version: EntryVersion) -> dict[str, Any]:
    """A version's elements as plain values (what the rules read)."""
    return {name: getattr(version, name) for name in ELEMENT_FIELDS}


def _dump(elements: EntryElements) -> dict[str, Any]:
    return elements.model_dump(mode="json", include=set(ELEMENT_FIELDS))


def _lifecycle_fields(entry: Entry, number: int) -> dict[str, Any]:
    return {
        "entry_id": entry.id,
        "code": entry.code,
        "version": number,
        "region_code": entry.region_code,
        "provider_agency_id": entry.provider_agency_id,
    }


def _draft_columns(
    entry_id: uuid.UUID, number: int, code: str, region_code: str, agency_id: uuid.UUID, caller: Caller,
    elements: dict[str, Any],
) -> dict[str, Any]:  # fmt: skip
    """Every column of version `number` of an entry, a draft of these elements by the caller."""
    return {
        "entry_id": entry_id, "version": number, "state": EntryState.draft, "is_latest": True,
        "is_published_current": False, "code": code, "region_code": region_code, "provider_agency_id": agency_id,
        "created_by": caller.subject, "created_at": datetime.now(UTC), "source_conflicts": [],
        **{name: elements.get(name) for name in ELEMENT_FIELDS}, **_search_columns(elements),
    }  # fmt: skip


def _draft_refusal(
    caller: Caller, data: EntryCreate, agencies_known: set[uuid.UUID], regions_known: set[str], taken: set[str]
) -> Problem | None:
    """Why an entry cannot be started (A14.1), or None."""
    if not _is_provider(caller, data.provider_agency_id):
        return Forbidden("An agency compiles only its own catalogue.", requirement="A14.1")
    if data.provider_agency_id not in agencies_known:
        return InvalidInput("Unknown agency.", errors=[{"field": "provider_agency_id", "message": "not registered"}])
    if data.region_code not in regions_known:
        return NotFound(f"No region {data.region_code}.")
    if data.code in taken:
        return Conflict(f"An entry with code {data.code} exists.")
    return None


async def create_entry(session: AsyncSession, caller: Caller, data: EntryCreate) -> tuple[Entry, EntryVersion]:
    """An agency starts an entry of its own catalogue as a draft (A14.1)."""
    (created,) = await create_drafts(session, caller, [data])
    if isinstance(created, Problem):
        raise created
    entry = await _entry(session, created)
    return entry, await _latest(session, entry)


async def create_drafts(
    session: AsyncSession, caller: Caller, drafts: Sequence[EntryCreate]
) -> list[uuid.UUID | Problem]:
    """Start entries of the agency's own catalogue as drafts (A14.1), a whole batch in a few statements (an
    import's): each is created (its id), or refused with the problem `create_entry` raises for it."""
    agencies_known = {a.id for a in await agencies.by_ids(session, {d.provider_agency_id for d in drafts})}
    regions_known = await regions.known_regions(session, {d.region_code for d in drafts})
    taken = await repository.codes_taken(session, [d.code for d in drafts])
    outcomes: list[uuid.UUID | Problem] = []
    entry_rows: list[dict[str, Any]] = []
    version_rows: list[dict[str, Any]] = []
    for data in drafts:
        refusal = _draft_refusal(caller, data, agencies_known, regions_known, taken)
        if refusal is not None:
            outcomes.append(refusal)
            continue
        taken.add(data.code)
        entry_id = uuid.uuid4()
        outcomes.append(entry_id)
        entry_rows.append({"id": entry_id, "code": data.code, "region_code": data.region_code,
                           "provider_agency_id": data.provider_agency_id, "latest_version": 1,
                           "retired": False})  # fmt: skip
        version_rows.append(
            _draft_columns(entry_id, 1, data.code, data.region_code, data.provider_agency_id, caller, _dump(data))
        )
    await repository.insert_drafts(session, entry_rows, version_rows)
    return outcomes


async def _entry(session: AsyncSession, entry_id: uuid.UUID, *, lock: bool = False) -> Entry:
    entry = await repository.entry(session, entry_id, lock=lock)
    if entry is None:
        raise NotFound(f"No entry {entry_id}.")
    return entry


async def _latest(session: AsyncSession, entry: Entry) -> EntryVersion:
    version = await repository.version(session, entry.id, entry.latest_version)
    assert version is not None
    return version


async def edit_draft(
    session: AsyncSession, caller: Caller, entry_id: uuid.UUID, elements: EntryElements
) -> EntryVersion:
    """Edit the entry's open draft; on a published entry, start its next version (the published one stays
    visible until the new one is published, A14.1)."""
    entry = await _entry(session, entry_id, lock=True)
    require_provider(caller, entry)
    if entry.retired:
        raise Conflict("A retired entry cannot change.", requirement="A14.1")
    latest = await _latest(session, entry)
    if latest.state != EntryState.published:
        latest.state = lifecycle.apply(latest.state, EntryAction.edit)
        _apply_elements(latest, _dump(elements))
        await session.flush()
        return latest
    # A published version is not edited: the entry gets its next version, a draft.
    latest.is_latest = False
    entry.latest_version += 1
    columns = _draft_columns(entry.id, entry.latest_version, entry.code, entry.region_code, entry.provider_agency_id,
                             caller, _dump(elements))  # fmt: skip
    version = EntryVersion(**columns)
    session.add(version)
    await session.flush()
    await record_event(session, EntryChanged(**_lifecycle_fields(entry, version.version)), source=SOURCE)
    return version


async def submit(session: AsyncSession, caller: Caller, entry_id: uuid.UUID, today: date) -> EntryVersion:
    """Send the draft to the bureau: refused while an element, attribute or source rule is broken."""
    entry = await _entry(session, entry_id, lock=True)
    require_provider(caller, entry)
    version = await _latest(session, entry)
    (refusal,) = await submit_versions(session, caller, [(entry, version)], today)
    if refusal is not None:
        raise refusal
    return version


async def with_latest(session: AsyncSession, entry_ids: Sequence[uuid.UUID]) -> list[tuple[Entry, EntryVersion]]:
    """These entries with their latest versions (to submit those just created, say)."""
    return await repository.with_latest(session, entry_ids)


async def submit_versions(
    session: AsyncSession, caller: Caller, held: Sequence[tuple[Entry, EntryVersion]], today: date
) -> list[Problem | None]:
    """Send entries' latest versions to the bureau at once (an import's): each is submitted, or refused with the
    problem `submit` raises for it and left as it was (A13.1, A13.2, A15.3, A18.1, A19.2, A22.1, A38.1, A14.1).

    The entries must be held by the transaction (locked, or created in it).
    """
    register = await sources.owners(session)
    requirements: dict[str, CompilationRequirements] = {}
    outcomes: list[Problem | None] = []
    submitted: list[tuple[Entry, EntryVersion]] = []
    for entry, version in held:
        if not _is_provider(caller, entry.provider_agency_id):
            outcomes.append(Forbidden("Only the entry's responsible agency may change it.", requirement="A15.2"))
            continue
        if entry.region_code not in requirements:
            requirements[entry.region_code] = await regions.requirements_for(session, entry.region_code)
        elements = {**elements_of(version), "provider_agency_id": entry.provider_agency_id}
        conflicts = source_conflicts(
            elements["items"] or [], elements["item_sources"] or {}, register, str(entry.provider_agency_id)
        )
        try:
            refuse_if_any(
                [
                    *submission_violations(elements, entry.code, requirements[entry.region_code]),
                    *unresolved_conflict_violations(conflicts),
                ],
                f"Entry {entry.code} cannot be submitted.",
            )
            version.state = lifecycle.apply(version.state, EntryAction.submit)
        except Problem as refusal:
            outcomes.append(refusal)
            continue
        version.submitted_at = datetime.now(UTC)
        version.source_conflicts = [c.__dict__ for c in conflicts]
        outcomes.append(None)
        submitted.append((entry, version))
    await session.flush()
    for entry, version in submitted:
        event = EntrySubmitted(**_lifecycle_fields(entry, version.version), source_conflicts=version.source_conflicts)
        await record_event(session, event, source=SOURCE)
    await deadlines.meet_notices(session, [entry.id for entry, _ in submitted], today)
    return outcomes


async def approve(session: AsyncSession, caller: Caller, entry_id: uuid.UUID) -> EntryVersion:
    """The bureau publishes the submitted version into the unified catalogue; it supersedes the old one."""
    entry = await _entry(session, entry_id, lock=True)
    require_reviewer(caller, entry)
    version = await _latest(session, entry)
    version.state = lifecycle.apply(version.state, EntryAction.approve)
    now = datetime.now(UTC)
    if entry.published_version is not None:
        previous = await repository.version(session, entry.id, entry.published_version)
        assert previous is not None
        previous.state = lifecycle.apply(previous.state, EntryAction.supersede)
        previous.is_published_current = False
    version.is_published_current = True
    version.reviewed_by, version.reviewed_at, version.published_at = caller.subject, now, now
    entry.published_version = version.version
    await session.flush()
    await record_event(session, published_event(entry, version), source=SOURCE)
    return version


def published_event(entry: Entry, version: EntryVersion) -> EntryPublished:
    """The published element set, as read models elsewhere need it."""
    assert version.published_at is not None
    return EntryPublished(
        entry_id=entry.id, code=entry.code, version=version.version, region_code=entry.region_code,
        provider_agency_id=entry.provider_agency_id, name=version.name, summary=version.summary,
        category=version.category, base_database=version.base_database, share_type=version.share_type,
        share_conditions=version.share_conditions, share_method=version.share_method, open_type=version.open_type,
        open_conditions=version.open_conditions, update_cycle=version.update_cycle, secrecy=version.secrecy,
        consent_required=version.consent_required,
        items=[DataItemSpec.model_validate(i, from_attributes=False) for i in version.items],
        published_at=version.published_at, share_legal_basis=version.share_legal_basis,
        open_legal_basis=version.open_legal_basis,
    )  # fmt: skip


async def return_version(
    session: AsyncSession, caller: Caller, entry_id: uuid.UUID, reasons: list[str]
) -> EntryVersion:
    """The bureau returns the submitted version to its agency with the reasons (A14.1)."""
    entry = await _entry(session, entry_id, lock=True)
    require_reviewer(caller, entry)
    version = await _latest(session, entry)
    version.state = lifecycle.apply(version.state, EntryAction.return_)
    version.return_reasons = [r.strip() for r in reasons if r.strip()]
    version.reviewed_by, version.reviewed_at = caller.subject, datetime.now(UTC)
    await session.flush()
    await record_event(
        session, EntryReturned(**_lifecycle_fields(entry, version.version), reasons=version.return_reasons),
        source=SOURCE,
    )  # fmt: skip
    return version


async def retire(session: AsyncSession, caller: Caller, entry_id: uuid.UUID) -> Entry:
    """Take a published entry out of the catalogue (by its agency, or an administrator of its region)."""
    entry = await _entry(session, entry_id, lock=True)
    if not _is_provider(caller, entry.provider_agency_id):
        if Role.administrator not in caller.roles:
            raise Forbidden("Only the responsible agency or an administrator retires an entry.", requirement="A15.2")
        regions.require_scope(caller, entry.region_code)
    if entry.published_version is None or entry.retired:
        raise Conflict("Only a published entry can be retired.", requirement="A14.1")
    published = await repository.version(session, entry.id, entry.published_version)
    assert published is not None
    published.state = lifecycle.apply(published.state, EntryAction.retire)
    published.is_published_current = False
    entry.retired = True
    await session.flush()
    await record_event(session, EntryRetired(**_lifecycle_fields(entry, published.version)), source=SOURCE)
    return entry


def sees_own_unpublished(caller: Caller, agency_id: uuid.UUID) -> bool:
    """Whether the caller sees the agency's unpublished entries as the agency itself: its systems, which compile
    them, and its officers, who answer for them (A14.1, A15.2); never another agency's."""
    return acts_for_agency(caller, agency_id, Role.agency_system, Role.agency_officer)


def can_see_unpublished(caller: Caller, entry: Entry) -> bool:
    """Drafts and submissions are visible to their agency and the bureau of the region only (A14.1, A4.1)."""
    if sees_own_unpublished(caller, entry.provider_agency_id):
        return True
    return (
        bool(OPERATOR_ROLES.intersection(caller.roles))
        and caller.region_code is not None
        and region_contains(caller.region_code, entry.region_code)
    )


async def visible_entry(session: AsyncSession, caller: Caller, entry_id: uuid.UUID) -> tuple[Entry, EntryVersion]:
    """The entry with the version the caller may see: the latest, or else the published one."""
    entry = await _entry(session, entry_id)
    if can_see_unpublished(caller, entry):
        return entry, await _latest(session, entry)
    if entry.published_version is None:
        raise NotFound(f"No entry {entry_id}.")
    version = await repository.version(session, entry.id, entry.published_version)
    assert version is not None
    return entry, version


async def visible_versions(session: AsyncSession, caller: Caller, entry_id: uuid.UUID) -> Sequence[EntryVersion]:
    """Every version the caller may see, oldest first."""
    entry = await _entry(session, entry_id)
    versions = await repository.versions(session, entry.id)
    if can_see_unpublished(caller, entry):
        return versions
    shown = [v for v in versions if v.published_at is not None]
    if not shown:
        raise NotFound(f"No entry {entry_id}.")
    return shown


async def catalogue(
    session: AsyncSession, caller: Caller, query: CatalogueQuery, region: str | None
) -> tuple[int, bool, Sequence[EntryVersion]]:
    """A page of the unified catalogue (districts rolled up into their city), or with `query.state` of the latest
    versions in that state, which only their agency and the bureau of their region see (A14.1, A4.1); the number
    of matches (up to a cap) and whether it is exact."""
    scope: list[str] | None = await regions.subtree(session, region) if region else None
    if query.state is not None:
        own = query.provider_agency_id is not None and sees_own_unpublished(caller, query.provider_agency_id)
        if not own:
            if not OPERATOR_ROLES.intersection(caller.roles):
                raise Forbidden("Unpublished entries are visible to their agency and the bureau.", requirement="A14.1")
            mine = set(await regions.subtree(session, caller.region_code or ""))
            scope = [r for r in scope if r in mine] if scope is not None else sorted(mine)
    return await repository.catalogue_page(session, dataclasses.replace(query, regions=scope))


def diff(a: EntryVersion, b: EntryVersion) -> dict[str, dict[str, Any]]:
    """The elements that differ between two versions; items compared by name."""
    changes: dict[str, dict[str, Any]] = {}
    for name in ELEMENT_FIELDS:
        if name == "items":
            continue
        before, after = getattr(a, name), getattr(b, name)
        if before != after:
            changes[name] = {"from": before, "to": after}
    items_a = {i["name"]: i for i in a.items or []}
    items_b = {i["name"]: i for i in b.items or []}
    for name in sorted(items_a.keys() | items_b.keys()):
        if items_a.get(name) != items_b.get(name):
            changes[f"items.{name}"] = {"from": items_a.get(name), "to": items_b.get(name)}
    return changes


async def compare_versions(
    session: AsyncSession, caller: Caller, entry_id: uuid.UUID, a: int, b: int
) -> dict[str, dict[str, Any]]:
    """What changed from version `a` to version `b`, both of which the caller must be able to see."""
    versions = {v.version: v for v in await visible_versions(session, caller, entry_id)}
    if a not in versions or b not in versions:
        raise NotFound(f"Entry {entry_id} has no visible version {a if a not in versions else b}.")
    return diff(versions[a], versions[b])
