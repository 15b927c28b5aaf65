"""Use cases of data keys (A24.3): issue one to the applicant once the agreement is accepted (never before), list
an application's keys, revoke one (its holder: that key; the collecting agency or the bureau: the application's
access, for good), and check a presented key on every call for a conditional dataset's records."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hub.contracts.open import DataKeyIssued, DataKeyRevoked
from hub.errors import Conflict, Forbidden, NotFound
from hub.internal_token import Caller
from hub.outbox import record_event
from hub.published_catalogue.openness import is_open
from open_svc.applications import rules as application_rules
from open_svc.applications import service as applications
from open_svc.applications.lifecycle import ApplicationAction, ApplicationState
from open_svc.applications.models import OpenApplication
from open_svc.applications.steps import SOURCE, take_step
from open_svc.catalogue.service import published_entries
from open_svc.keys import repository, rules
from open_svc.keys.models import DataKey
from open_svc.keys.schemas import KeyedRecord, KeyedRecords
from open_svc.replica import repository as replica

REPLACED = "replaced by a new key"


async def _revoke(session: AsyncSession, key: DataKey, caller: Caller, reason: str | None, now: datetime) -> None:
    key.revoked_at, key.revoked_by, key.revoke_reason = now, caller.subject, reason
    event = DataKeyRevoked(key_id=key.id, application_id=key.application_id, entry_id=key.entry_id, at=now,
                           revoked_by=caller.subject, reason=reason)  # fmt: skip
    await record_event(session, event, source=SOURCE)


async def issue(session: AsyncSession, caller: Caller, application_id: uuid.UUID, now: datetime) -> tuple[DataKey, str]:
    """A key for the application's entry and approved items, to its applicant, once the open-use agreement is
    accepted (A24.3: a 409 before). A live key is revoked by the new one, so a lost key is replaced this way."""
    application = await applications.own(session, caller, application_id)
    if application.state != ApplicationState.agreed:
        raise Conflict(
            f"No data key for a {application.state} application: it is issued once the application is approved and "
            "its applicant has accepted the open-use agreement.",
            requirement="A24.3",
            state=application.state,
        )
    for live in await repository.live_of_application(session, application.id):
        await _revoke(session, live, caller, REPLACED, now)
    await session.flush()  # the old key is revoked before the new one is the application's live key
    new = rules.new_key()
    key = DataKey(
        id=uuid.uuid4(), application_id=application.id, entry_id=application.entry_id, holder=caller.subject,
        items=list(application.approved_items or ()), digest=new.digest, hint=new.hint, issued_at=now,
    )  # fmt: skip
    session.add(key)
    event = DataKeyIssued(key_id=key.id, application_id=application.id, entry_id=key.entry_id, at=now,
                          holder=key.holder, items=list(key.items))  # fmt: skip
    await record_event(session, event, source=SOURCE)
    await session.flush()
    return key, new.plaintext


async def of_application(session: AsyncSession, caller: Caller, application_id: uuid.UUID) -> Sequence[DataKey]:
    """The keys of an application the caller may read (never the keys themselves: only hints)."""
    application = await applications.visible(session, caller, application_id)
    return await repository.of_application(session, application.id)


async def revoke(
    session: AsyncSession, caller: Caller, key_id: uuid.UUID, reason: str | None, now: datetime
) -> DataKey:
    """Revoke a key. Its holder revokes that key (and may have a new one issued); an officer of the collecting
    agency or the bureau of the region ends the application's access, so no key is issued for it again."""
    key = await repository.get(session, key_id)
    if key is None:
        raise NotFound(f"No data key {key_id} of yours.")
    # The application first, then the key: the order issue() takes them in, so the two never deadlock.
    application = await applications.visible(session, caller, key.application_id, lock=True)
    if not _may_revoke(caller, key, application):
        raise NotFound(f"No data key {key_id} of yours.")
    await repository.lock(session, key)
    if key.revoked_at is not None:
        raise Conflict("The key is revoked already.", revoked_at=key.revoked_at.isoformat())
    await _revoke(session, key, caller, reason, now)
    if not application_rules.is_applicant(caller, application.applicant):
        await take_step(
            session, application, ApplicationAction.revoke_access, caller, now, reasons=[reason] if reason else []
        )
    await session.flush()
    return key


def _may_revoke(caller: Caller, key: DataKey, application: OpenApplication) -> bool:
    return (
        application_rules.is_applicant(caller, key.holder)
        or application_rules.answers_for(caller, application.provider_agency_id)
        or application_rules.bureau_holds(caller, application.region_code)
    )


async def check(session: AsyncSession, caller: Caller, entry_id: uuid.UUID, presented: str | None) -> list[str]:
    """The key presented for a call on a conditional dataset's records, checked on every call (A24.3): it must be
    live, issued to the calling account, for this dataset; the items it opens: the approved ones the entry still has.
    NotFound for what is not an open dataset (A22.1); Forbidden for every key that does not open it."""
    entry = await published_entries.entry(session, entry_id)
    if entry is None or not is_open(entry):
        raise NotFound(f"No open dataset {entry_id}.")
    if not presented:
        raise Forbidden(f"Send the data key issued for this dataset in the {rules.HEADER} header.", requirement="A24.3")
    key = await repository.by_digest(session, rules.digest(presented)) if rules.well_formed(presented) else None
    if key is None or key.revoked_at is not None:
        raise Forbidden("The data key is unknown or revoked.", requirement="A24.3")
    if key.holder != caller.subject:
        raise Forbidden("The data key was issued to another account.", requirement="A24.3")
    if key.entry_id != entry.entry_id:
        raise Forbidden("The data key opens another dataset.", requirement="A24.3")
    return rules.usable_items(key.items, {item.name for item in entry.items})


async def keyed_records(
    session: AsyncSession, caller: Caller, entry_id: uuid.UUID, presented: str | None, after: str | None, limit: int
) -> KeyedRecords:
    """A page of the dataset's records from the replica, each reduced to the items the checked key opens."""
    items = await check(session, caller, entry_id, presented)
    rows = await replica.rows(session, entry_id, after=after, limit=limit)
    records = [KeyedRecord(key=row.key, data=rules.project(row.data, items)) for row in rows]
    following = rows[-1].key if len(rows) == limit else None
    return KeyedRecords(entry_id=entry_id, items=items, records=records, next=following)
