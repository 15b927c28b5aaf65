"""The unified catalogue as DCAT-AP (JSON-LD): each published entry a dcat:Dataset.

Update cycles map to the EU frequency authority table, open types to its access-right table. Identifiers are
path-absolute IRIs of the hub's own API (/api/catalog/entries/{id}, /api/catalog/agencies/{id}): they resolve
against the host the document was fetched from.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from catalog_svc.entries.models import EntryVersion
from catalog_svc.transfer.schemas import Publisher
from hub.contracts.vocabulary import OpenType, Secrecy, ShareMethod, UpdateCycle

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "adms": "http://www.w3.org/ns/adms#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
ACCESS_RIGHT = "http://publications.europa.eu/resource/authority/access-right/"
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
API_PATH = "/api/catalog"
LANGUAGE = "zh"

FREQUENCIES = {
    UpdateCycle.real_time: "UPDATE_CONT",  # continuously updated
    UpdateCycle.daily: "DAILY",
    UpdateCycle.weekly: "WEEKLY",
    UpdateCycle.monthly: "MONTHLY",
    UpdateCycle.quarterly: "QUARTERLY",
    UpdateCycle.half_yearly: "ANNUAL_2",  # semiannual
    UpdateCycle.yearly: "ANNUAL",
    UpdateCycle.irregular: "IRREG",
}
ACCESS_RIGHTS = {
    OpenType.unconditional: "PUBLIC",  # 无条件开放
    OpenType.conditional: "RESTRICTED",  # 有条件开放
    OpenType.not_open: "NON_PUBLIC",  # 不予开放
}
SHARE_METHODS = {ShareMethod.api: "接口共享", ShareMethod.file: "文件共享", ShareMethod.database: "库表共享"}
# Formats an entry may name that the EU file-type table has, by their usual spelling.
FILE_TYPES = frozenset(
    {"CSV", "JSON", "XML", "XLS", "XLSX", "ODS", "PDF", "DOC", "DOCX", "TXT", "ZIP", "HTML", "SHP", "GEOJSON",
     "KML", "JSON_LD", "RDF_XML", "TSV", "PARQUET", "WMS_SRVC", "WFS_SRVC"}
)  # fmt: skip


def accrual_periodicity(update_cycle: str | None) -> str | None:
    """The EU frequency IRI of an update cycle (更新周期)."""
    if update_cycle is None or update_cycle not in FREQUENCIES:
        return None
    return FREQUENCY + FREQUENCIES[UpdateCycle(update_cycle)]


def access_rights(open_type: str | None, secrecy: str | None) -> str:
    """The EU access-right IRI of an open type (开放属性); secret data is never public (A22.1, A38.1)."""
    if secrecy == Secrecy.secret or open_type is None or open_type not in ACCESS_RIGHTS:
        return ACCESS_RIGHT + "NON_PUBLIC"
    return ACCESS_RIGHT + ACCESS_RIGHTS[OpenType(open_type)]


def media_format(declared: str | None) -> dict[str, Any] | None:
    """dct:format: an EU file-type IRI when the declared format is one, else a described extent."""
    if not declared:
        return None
    token = declared.strip().upper().replace("-", "_").replace(" ", "_")
    if token in FILE_TYPES:
        return {"@id": FILE_TYPE + token}
    return {"@type": "dct:MediaTypeOrExtent", "rdfs:label": declared}


def _text(value: str | None) -> dict[str, str] | None:
    return {"@value": value, "@language": LANGUAGE} if value else None


def _when(value: datetime | None) -> dict[str, str] | None:
    return {"@value": value.isoformat(), "@type": "xsd:dateTime"} if value else None


def _compact(node: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in node.items() if v is not None and v != []}


def agent(publisher: Publisher) -> dict[str, Any]:
    """The responsible agency as a foaf:Agent, identified by its unified social credit code (A2.1)."""
    return {
        "@id": f"{API_PATH}/agencies/{publisher.id}",
        "@type": "foaf:Agent",
        "foaf:name": _text(publisher.name),
        "dct:identifier": publisher.credit_code,
    }


def distribution(version: EntryVersion) -> dict[str, Any]:
    """How the data is obtained: by the share method (共享方式), in the declared format."""
    method = version.share_method
    return _compact({
        "@type": "dcat:Distribution",
        "dct:title": _text(SHARE_METHODS.get(ShareMethod(method)) if method in SHARE_METHODS else None),
        "dcat:accessURL": {"@id": f"{API_PATH}/entries/{version.entry_id}"},
        "dct:format": media_format(version.format),
        "dct:accessRights": {"@id": access_rights(version.open_type, version.secrecy)},
    })  # fmt: skip


def dataset(version: EntryVersion, publisher: Publisher | None, issued: datetime | None) -> dict[str, Any]:
    """A published entry as a dcat:Dataset; `issued` is when its first version was published."""
    frequency = accrual_periodicity(version.update_cycle)
    return _compact({
        "@id": f"{API_PATH}/entries/{version.entry_id}",
        "@type": "dcat:Dataset",
        "dct:identifier": version.code,
        "adms:identifier": {"@type": "adms:Identifier", "skos:notation": version.code},
        "dct:title": _text(version.name),
        "dct:description": _text(version.summary),
        "dct:publisher": agent(publisher) if publisher else None,
        "dcat:contactPoint": (
            {"@type": "vcard:Organization", "vcard:fn": publisher.data_unit} if publisher else None
        ),
        "dct:accrualPeriodicity": {"@id": frequency} if frequency else None,
        "dct:accessRights": {"@id": access_rights(version.open_type, version.secrecy)},
        "dcat:keyword": [_text(t) for t in version.tags or [] if t],
        "dct:issued": _when(issued or version.published_at),
        "dct:modified": _when(version.published_at),
        "owl:versionInfo": str(version.version),
        "dct:spatial": {"@type": "dct:Location", "skos:notation": version.region_code},
        "dcat:distribution": [distribution(version)],
    })  # fmt: skip


def catalogue_head(region: str | None) -> bytes:
    """The opening of the dcat:Catalog document, up to where its datasets are written."""
    node = _compact({
        "@context": CONTEXT,
        "@type": "dcat:Catalog",
        "dct:title": _text("公共数据目录"),
        "dct:spatial": {"@type": "dct:Location", "skos:notation": region} if region else None,
    })  # fmt: skip
    return orjson.dumps(node)[:-1] + b',"dcat:dataset":['


CATALOGUE_TAIL = b"]}"
