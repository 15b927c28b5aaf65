"""Use cases of catalogue entries: compile, submit, review, publish, change, retire (A13–A15, A19, A22, A38).

They take the session and the verified caller, never commit, and record every state change's event in the
outbox of the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.agencies.models import Agency
from catalog_svc.deadlines import service as deadlines
from catalog_svc.entries import lifecycle, repository
from catalog_svc.entries.models import Entry, EntryVersion
from catalog_svc.entries.rules import (
    source_conflicts,
    submission_violations,
    unresolved_conflict_violations,
)
from catalog_svc.entries.schemas import EntryCreate, EntryElements
from catalog_svc.entries.search import bigrams, normalise
from catalog_svc.regions import service as regions
from catalog_svc.sources.models import AuthoritativeSource
from hub.contracts.catalog import (
    DataItemSpec,
    EntryChanged,
    EntryPublished,
    EntryRetired,
    EntryReturned,
    EntrySubmitted,
)
from hub.errors import Conflict, Forbidden, InvalidInput, NotFound
from hub.internal_token import Caller
from hub.outbox import record_event
from hub.regions import region_contains
from hub.roles import OPERATOR_ROLES, Role
from hub.violations import refuse_if_any

SOURCE = "/hub/catalog"
ELEMENT_FIELDS = tuple(EntryElements.model_fields)


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


def _apply_elements(version: EntryVersion, elements: dict[str, Any]) -> None:
    for name in ELEMENT_FIELDS:
        setattr(version, name, elements.get(name))
    labels = " ".join(i["label"] for i in version.items or [])
    version.search_text = normalise(f"{version.name or ''} {version.summary or ''} {labels}")
    version.bigrams = bigrams(version.search_text)


def elements_of(version: EntryVersion) -> dict[str, Any]:
    """A version's elements as plain values (what the rules read)."""
    return {name: getattr(version, name) for name in ELEMENT_FIELDS}


def _dump(elements: EntryElements) -> dict[str, Any]:
    return elements.model_dump(mode="json", include=set(ELEMENT_FIELDS))


async def _lifecycle_fields(entry: Entry, number: int) -> dict[str, Any]:
    return {
        "entry_id": entry.id,
        "code": entry.code,
        "version": number,
        "region_code": entry.region_code,
        "provider_agency_id": entry.provider_agency_id,
    }


async def create_entry(session: AsyncSession, caller: Caller, data: EntryCreate) -> tuple[Entry, EntryVersion]:
    """An agency starts an entry of its own catalogue as a draft (A14.1)."""
    if not _is_provider(caller, data.provider_agency_id):
        raise Forbidden("An agency compiles only its own catalogue.", requirement="A14.1")
    agency = await session.get(Agency, data.provider_agency_id)
    if agency is None:
        raise InvalidInput("Unknown agency.", errors=[{"field": "provider_agency_id", "message": "not registered"}])
    await regions.get_region(session, data.region_code)
    if await repository.entry_by_code(session, data.code):
        raise Conflict(f"An entry with code {data.code} exists.")
    entry = Entry(id=uuid.uuid4(), code=data.code, region_code=data.region_code,
                  provider_agency_id=data.provider_agency_id, latest_version=1, retired=False)  # fmt: skip
    session.add(entry)
    await session.flush()
    version = EntryVersion(entry_id=entry.id, version=1, state="draft", is_latest=True, is_published_current=False,
                           code=entry.code, region_code=entry.region_code, provider_agency_id=entry.provider_agency_id,
                           created_by=caller.subject, created_at=datetime.now(UTC), source_conflicts=[])  # fmt: skip
    _apply_elements(version, _dump(data))
    session.add(version)
    await session.flush()
    return entry, version


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
    if latest.state in ("draft", "returned"):
        latest.state = lifecycle.apply(latest.state, "edit")
        _apply_elements(latest, _dump(elements))
        await session.flush()
        return latest
    if latest.state != "published":
        lifecycle.apply(latest.state, "edit")
    latest.is_latest = False
    entry.latest_version += 1
    version = EntryVersion(entry_id=entry.id, version=entry.latest_version, state="draft", is_latest=True,
                           is_published_current=False, code=entry.code, region_code=entry.region_code,
                           provider_agency_id=entry.provider_agency_id, created_by=caller.subject,
                           created_at=datetime.now(UTC), source_conflicts=[])  # fmt: skip
    _apply_elements(version, _dump(elements))
    session.add(version)
    await session.flush()
    record_event(session, EntryChanged(**await _lifecycle_fields(entry, version.version)), source=SOURCE)
    return version


async def _register(session: AsyncSession) -> dict[str, tuple[str, str]]:
    rows = (await session.execute(select(AuthoritativeSource))).scalars()
    return {r.item_label: (str(r.agency_id), r.entry_code) for r in rows}


async def submit(session: AsyncSession, caller: Caller, entry_id: uuid.UUID, today: date) -> EntryVersion:
    """Send the draft to the bureau: refused while an element, attribute or source rule is broken."""
    entry = await _entry(session, entry_id, lock=True)
    require_provider(caller, entry)
    version = await _latest(session, entry)
    elements = {**elements_of(version), "provider_agency_id": entry.provider_agency_id}
    rules = await regions.requirements_for(session, entry.region_code)
    conflicts = source_conflicts(
        elements["items"] or [], elements["item_sources"] or {}, await _register(session), str(entry.provider_agency_id)
    )
    refuse_if_any(
        [*submission_violations(elements, entry.code, rules), *unresolved_conflict_violations(conflicts)],
        f"Entry {entry.code} cannot be submitted.",
    )
    version.state = lifecycle.apply(version.state, "submit")
    version.submitted_at = datetime.now(UTC)
    version.source_conflicts = [c.__dict__ for c in conflicts]
    await session.flush()
    record_event(
        session,
        EntrySubmitted(**await _lifecycle_fields(entry, version.version), source_conflicts=version.source_conflicts),
        source=SOURCE,
    )
    await deadlines.meet_notices(session, entry, today)
    return version


async def approve(session: AsyncSession, caller: Caller, entry_id: uuid.UUID) -> EntryVersion:
    """The bureau publishes the submitted version into the unified catalogue; it supersedes the old one."""
    entry = await _entry(session, entry_id, lock=True)
    require_reviewer(caller, entry)
    version = await _latest(session, entry)
    version.state = lifecycle.apply(version.state, "approve")
    now = datetime.now(UTC)
    if entry.published_version is not None:
        previous = await repository.version(session, entry.id, entry.published_version)
        assert previous is not None
        previous.state = lifecycle.apply(previous.state, "supersede")
        previous.is_published_current = False
    version.is_published_current = True
    version.reviewed_by, version.reviewed_at, version.published_at = caller.subject, now, now
    entry.published_version = version.version
    await session.flush()
    record_event(session, published_event(entry, version), source=SOURCE)
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
        published_at=version.published_at,
    )  # fmt: skip


async def return_version(
    session: AsyncSession, caller: Caller, entry_id: uuid.UUID, reasons: list[str]
) -> EntryVersion:
    """The bureau returns the submitted version to its agency with the reasons (A14.1)."""
    entry = await _entry(session, entry_id, lock=True)
    require_reviewer(caller, entry)
    version = await _latest(session, entry)
    version.state = lifecycle.apply(version.state, "return")
    version.return_reasons = [r.strip() for r in reasons if r.strip()]
    version.reviewed_by, version.reviewed_at = caller.subject, datetime.now(UTC)
    await session.flush()
    record_event(
        session, EntryReturned(**await _lifecycle_fields(entry, version.version), reasons=version.return_reasons),
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
    published.state = lifecycle.apply(published.state, "retire")
    published.is_published_current = False
    entry.retired = True
    await session.flush()
    record_event(session, EntryRetired(**await _lifecycle_fields(entry, published.version)), source=SOURCE)
    return entry


def can_see_unpublished(caller: Caller, entry: Entry) -> bool:
    """Drafts and submissions are visible to their agency and the bureau of the region only (A14.1, A4.1)."""
    if _is_provider(caller, entry.provider_agency_id):
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
