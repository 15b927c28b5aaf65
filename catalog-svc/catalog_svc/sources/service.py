"""Use cases of the authoritative-source register (A15.3)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.entries import repository as entries
from catalog_svc.regions import service as regions
from catalog_svc.sources import repository
from catalog_svc.sources.models import AuthoritativeSource
from catalog_svc.sources.schemas import SourceIn
from hub.errors import Conflict, Forbidden, InvalidInput
from hub.internal_token import Caller
from hub.regions import is_city


async def register_source(session: AsyncSession, caller: Caller, data: SourceIn) -> AuthoritativeSource:
    """Declare an entry the one source of a data item (one data, one source: A15.3).

    The register holds for the whole city: every submission, in every district, is checked against it. So only
    an administrator of a city declares a source, and only an entry of that city (A4.1); a district's bureau
    would otherwise decide for the city and for its sibling districts.
    """
    if not caller.region_code or not is_city(caller.region_code):
        raise Forbidden("The authoritative-source register holds for the whole city: its bureau keeps it.",
                        requirement="A4.1")  # fmt: skip
    entry = await entries.entry_by_code(session, data.entry_code)
    if entry is None:
        raise InvalidInput("Unknown entry.", errors=[{"field": "entry_code", "message": "no such entry"}])
    regions.require_scope(caller, entry.region_code)
    version = await entries.version(session, entry.id, entry.latest_version)
    labels = {i["label"] for i in (version.items if version else [])}
    if data.item_label not in labels:
        raise InvalidInput(
            f"Entry {data.entry_code} declares no item {data.item_label}.",
            errors=[{"field": "item_label", "message": "not an item of that entry"}],
        )
    if await repository.get(session, data.item_label):
        raise Conflict(f"{data.item_label} already has its authoritative source.", requirement="A15.3")
    source = AuthoritativeSource(item_label=data.item_label, agency_id=entry.provider_agency_id,
                                 entry_code=entry.code, registered_by=caller.subject,
                                 registered_at=datetime.now(UTC))  # fmt: skip
    session.add(source)
    await session.flush()
    return source


async def sources(session: AsyncSession) -> Sequence[AuthoritativeSource]:
    """The whole register, by item: every agency reads it to cite its sources (A15.3)."""
    return await repository.register(session)


async def owners(session: AsyncSession) -> dict[str, tuple[str, str]]:
    """The register as submission checks read it: item label → (its agency, its source entry's code) (A15.3)."""
    return {s.item_label: (str(s.agency_id), s.entry_code) for s in await repository.register(session)}
