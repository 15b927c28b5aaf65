"""The published entries the sharing platform knows, kept current from catalog.events, and what a change of the
catalogue does to applications and grants (docs/sharing.md, "When the catalogue changes"). The reactions run in the
consumer's transaction, with the read model's change: both commit, with their events, or neither.

* A new version no longer sharing the entry (not shared, A19.2; secret, A38.1), or its retirement: undecided and
  disputed applications are terminated, grants not yet expired are revoked.
* A new version removing items: undecided and disputed applications and unexpired grants keep the items that
  remain (GrantNarrowed); one left with none is terminated, or revoked.
* A conditional entry becoming unconditional: applications under review are granted at once (A20.1).
* An unconditional entry becoming conditional: grants stand until they expire (granted under the terms then in
  force).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hub.contracts.vocabulary import ShareType
from hub.errors import NotFound
from hub.published_catalogue import PublishedEntries, PublishedVersion
from share_svc.applications import rules
from share_svc.applications import service as applications
from share_svc.catalogue.models import PublishedEntry
from share_svc.grants import service as grants
from share_svc.settings import hub_timezone

# Who ends or narrows a grant when the catalogue changes: the sharing platform itself.
HUB = "share-svc"


def _clock() -> tuple[datetime, date]:
    now = datetime.now(UTC)
    return now, now.astimezone(hub_timezone()).date()


async def end_sharing(session: AsyncSession, entry_id: uuid.UUID, reason: str) -> None:
    """Nothing may be shared under the entry any more: open applications end, unexpired grants are revoked."""
    now, today = _clock()
    await applications.end_open_applications(session, entry_id, reason, now, today)
    for grant in await grants.unexpired_of_entry(session, entry_id, now):
        await grants.revoke_grant(session, grant, HUB, reason, now)


async def narrow_grants(session: AsyncSession, entry: PublishedVersion, now: datetime) -> None:
    """Unexpired grants keep the items the new version still declares; one left with none is revoked."""
    for grant in await grants.unexpired_of_entry(session, entry.entry_id, now):
        remaining = rules.remaining_items(grant.items, entry.items)
        if remaining == list(grant.items):
            continue
        if remaining:
            reason = f"version {entry.version} of entry {entry.code} no longer declares the other items"
            await grants.narrow_grant(session, grant, remaining, entry.version, reason, now)
        else:
            reason = f"version {entry.version} of entry {entry.code} no longer declares any item granted"
            await grants.revoke_grant(session, grant, HUB, reason, now)


async def on_published(session: AsyncSession, before: PublishedVersion | None, after: PublishedVersion) -> None:
    """A version became the held one (the same one delivered again included: every effect is idempotent)."""
    if before is None:
        return  # an entry new to the platform has no applications yet
    withdrawn = rules.sharing_withdrawn(after)
    if withdrawn is not None:
        await end_sharing(session, after.entry_id, withdrawn)
        return
    now, today = _clock()
    await applications.narrow_open_applications(session, after, now, today)
    await narrow_grants(session, after, now)
    if after.share_type == ShareType.unconditional:
        await applications.grant_undecided_unconditionally(session, after, now, today)


async def on_retired(session: AsyncSession, entry: PublishedVersion) -> None:
    """The entry left the catalogue: nothing more is shared under it."""
    await end_sharing(session, entry.entry_id, rules.sharing_withdrawn(entry) or f"entry {entry.code} was retired")


published_entries = PublishedEntries(PublishedEntry, on_published=on_published, on_retired=on_retired)


async def held_entry(session: AsyncSession, entry_id: uuid.UUID) -> PublishedVersion:
    """The entry's published version, held unchanged until the transaction ends (a new version or a retirement
    waits for it, then reacts to what it wrote); NotFound if the platform does not know it or it was retired."""
    entry = await published_entries.entry(session, entry_id, hold=True)
    if entry is None or entry.retired:
        raise NotFound(f"No published entry {entry_id} to apply for.")
    return entry.snapshot()
