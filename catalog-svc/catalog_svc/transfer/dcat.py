"""The unified catalogue as DCAT-AP 3.0.1 (hub.dcat, the mapping open-svc's feed uses too): a dcat:Catalog published
by the bureau, each published entry a dcat:Dataset of its provider agency (A13.1, A15.2), whose data is obtained
through the sharing platform (A20.1, A21.1).

Its IRIs are the hub's public addresses (HUB_PUBLIC_URL): an entry is /api/catalog/entries/{id}, its provider
/api/catalog/agencies/{id}, and its data is reached at the big data centre's records of the entry, which an agency
reads under a grant (A21.1). The export covers every published entry, open or not: each states its EU access right
(public, restricted, non-public; never public when secret, A22.1, A38.1). Sharing is ruled by the Measures, not by
a licence, so the unified catalogue names none; open data's licence is in open-svc's feed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Protocol

from catalog_svc.entries.models import EntryVersion
from catalog_svc.transfer.schemas import Publisher
from hub.contracts.vocabulary import AgencyKind, BaseDatabase, Category, OpenType, Secrecy, ShareMethod, ShareType
from hub.contracts.vocabulary import UpdateCycle as Cycle
from hub.dcat import vocabularies as eu
from hub.dcat.feed import FeedFormat, catalogue_feed
from hub.dcat.graph import Agent, Catalogue, DataService, Dataset, Distribution
from hub.settings import HubSettings

API_PATH = "/api/catalog"
SHARE_METHODS = {ShareMethod.api: "接口共享", ShareMethod.file: "文件共享", ShareMethod.database: "库表共享"}


class PublishedEntry(Protocol):
    """A published entry of the export: its version, its provider and when its first version was published."""

    @property
    def version(self) -> EntryVersion: ...
    @property
    def publisher(self) -> Publisher | None: ...
    @property
    def issued(self) -> datetime | None: ...


def agent(publisher: Publisher, public_url: str) -> Agent:
    """The provider agency (提供方) as a foaf:Agent, identified by its unified social credit code (A2.1)."""
    return Agent(
        iri=f"{public_url}{API_PATH}/agencies/{publisher.id}",
        name=publisher.name,
        kind=eu.member(AgencyKind, publisher.kind),
        identifier=publisher.credit_code,
    )


def distribution(version: EntryVersion, entry_iri: str, public_url: str) -> Distribution:
    """How an agency obtains the data: through the sharing platform by the share method (共享方式), from the big data
    centre under a grant (A20.1, A21.1), in the declared format; a conditional share states its conditions."""
    method = eu.member(ShareMethod, version.share_method)
    conditional = eu.member(ShareType, version.share_type) == ShareType.conditional
    return Distribution(
        iri=f"{entry_iri}#distribution",
        title=SHARE_METHODS[method] if method is not None else "共享数据",
        description="经共享平台申请并获授权后，从大数据中心获取（A20.1, A21.1）。",
        access_url=f"{public_url}/api/aggregation/entries/{version.entry_id}/records",
        media_format=version.format,
        rights=version.share_conditions if conditional else None,
    )


def dataset(entry: PublishedEntry, public_url: str) -> Dataset:
    """A published entry as a dcat:Dataset; `entry.issued` is when its first version was published."""
    version, publisher = entry.version, entry.publisher
    iri = f"{public_url}{API_PATH}/entries/{version.entry_id}"
    return Dataset(
        iri=iri,
        identifier=version.code,
        title=version.name or version.code,
        description=version.summary or version.name or version.code,
        publisher=agent(publisher, public_url) if publisher else None,
        contact=publisher.data_unit if publisher else None,
        keywords=list(version.tags or []),
        themes=eu.data_themes(eu.member(Category, version.category), eu.member(BaseDatabase, version.base_database)),
        update_cycle=eu.member(Cycle, version.update_cycle),
        open_type=eu.member(OpenType, version.open_type),
        secrecy=eu.member(Secrecy, version.secrecy),
        region_code=version.region_code,
        issued=entry.issued or version.published_at,
        modified=version.published_at,
        version=version.version,
        distributions=[distribution(version, iri, public_url)],
    )


def catalogue(settings: HubSettings, region: str | None) -> Catalogue:
    """The unified catalogue (公共数据目录), of a region and the regions within it or of every region."""
    public_url = settings.public_url.rstrip("/")
    scope = f"?region={region}" if region else ""
    bureau = Agent(iri=None, name=settings.bureau_name, kind=AgencyKind.administrative_organ)
    return Catalogue(
        iri=f"{public_url}{API_PATH}/catalogue{scope}",
        title="公共数据目录",
        description="政务部门编制、经主管部门审核发布的统一公共数据目录（A13.1, A14.1）。",
        publisher=bureau,
        homepage=f"{public_url}/",
        region_code=region,
        service=DataService(
            iri=f"{public_url}{API_PATH}/",
            title="公共数据目录接口",
            endpoint_url=f"{public_url}{API_PATH}/",
            endpoint_description=f"{public_url}{API_PATH}/openapi.json",
        ),
    )


async def export(
    pages: AsyncIterator[Sequence[PublishedEntry]], settings: HubSettings, region: str | None
) -> AsyncIterator[bytes]:
    """The published catalogue as DCAT-AP JSON-LD, streamed one page of entries at a time."""
    public_url = settings.public_url.rstrip("/")

    async def datasets() -> AsyncIterator[list[Dataset]]:
        async for page in pages:
            yield [dataset(entry, public_url) for entry in page]

    async for chunk in catalogue_feed(catalogue(settings, region), datasets(), FeedFormat.jsonld):
        yield chunk
