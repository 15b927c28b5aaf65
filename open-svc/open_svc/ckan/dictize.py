"""Open datasets, their agencies, themes and item labels as CKAN's dictionaries (ckan/lib/dictization/model_dictize.py):
package, resource, organization, group and tag, with the members CKAN clients read.

A resource is one form the dataset's data is offered in (open_svc.dcat.datasets.offers), its id the dataset's id and
the form (`<entry id>-csv`); the datastore of an unconditionally open dataset's resources is the replica of its
records (datastore_search). Times are CKAN's: UTC, without a zone, to the microsecond.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from hub.contracts.vocabulary import OpenType
from hub.dcat import vocabularies as eu
from open_svc.catalogue.models import KnownAgency, PublishedEntry
from open_svc.datasets.rules import Distribution as Form
from open_svc.dcat import datasets
from open_svc.settings import Settings

# The licence id CKAN clients see when the open licence is no EU licence-table one.
OPEN_LICENCE_ID = "open-licence"
THEMES = {theme.code.lower(): theme for theme in eu.THEMES}


def ckan_time(value: datetime) -> str:
    """A time as CKAN writes it: UTC, no zone, microseconds."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def licence_id(settings: Settings) -> str:
    """The open licence's id: its EU licence-table code, or OPEN_LICENCE_ID."""
    licence = datasets.licence(settings)
    if licence is not None and licence.from_eu_table and licence.url:
        return licence.url.rstrip("/").rsplit("/", 1)[-1]
    return OPEN_LICENCE_ID


def resource_id(entry_id: uuid.UUID, form: Form) -> str:
    return f"{entry_id}-{form.value}"


def parse_resource_id(value: str) -> tuple[uuid.UUID, Form] | None:
    """The dataset and form a resource id names; None for an id of no resource."""
    entry, _, form = value.rpartition("-")
    try:
        return uuid.UUID(entry), Form(form)
    except ValueError:
        return None


def parse_id(name: str) -> uuid.UUID | None:
    """The id a dataset's or an organization's name (its id) stands for; None for a name of none."""
    try:
        return uuid.UUID(name)
    except ValueError:
        return None


def organization(agency_id: uuid.UUID, agency: KnownAgency | None, package_count: int | None = None) -> dict[str, Any]:
    """A provider agency as a CKAN organization (named by its id: a name that never changes)."""
    title = agency.name if agency else str(agency_id)
    found: dict[str, Any] = {
        "id": str(agency_id), "name": str(agency_id), "title": title, "display_name": title,
        "type": "organization", "description": "", "image_url": "", "image_display_url": "",
        "created": ckan_time(agency.registered_at) if agency else None, "is_organization": True,
        "approval_status": "approved", "state": "active",
    }  # fmt: skip
    if package_count is not None:
        found["package_count"] = package_count
    return found


def group(code: str, package_count: int | None = None) -> dict[str, Any]:
    """An EU data theme as a CKAN group (named by its code in lower case)."""
    theme = THEMES[code.lower()]
    found: dict[str, Any] = {
        "id": theme.concept.iri, "name": theme.code.lower(), "title": theme.chinese, "display_name": theme.chinese,
        "description": theme.concept.label, "type": "group", "image_url": "", "image_display_url": "",
        "is_organization": False, "approval_status": "approved", "state": "active",
    }  # fmt: skip
    if package_count is not None:
        found["package_count"] = package_count
    return found


def tag(label: str) -> dict[str, Any]:
    """A data item's label as a free CKAN tag (its id derived from its name, the same on every call)."""
    return {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"tag:{label}")), "name": label, "display_name": label,
            "state": "active", "vocabulary_id": None}  # fmt: skip


def resource(entry: PublishedEntry, offer: datasets.Offer, position: int) -> dict[str, Any]:
    """One form of the dataset's data as a CKAN resource."""
    file_type = offer.file_type
    published = ckan_time(entry.published_at)
    return {
        "id": resource_id(entry.entry_id, offer.form), "package_id": str(entry.entry_id), "position": position,
        "name": datasets.FORM_TITLES[offer.form], "description": offer.description,
        "format": offer.format_name, "mimetype": file_type.media_type,
        "mimetype_inner": None, "url": offer.download_url or offer.access_url, "url_type": None,
        "datastore_active": entry.open_type == OpenType.unconditional, "created": published,
        "metadata_modified": published, "last_modified": None, "cache_last_updated": None, "cache_url": None,
        "hash": "", "size": None, "resource_type": None, "state": "active",
    }  # fmt: skip


def package(settings: Settings, entry: PublishedEntry, agency: KnownAgency | None) -> dict[str, Any]:
    """An open dataset as a CKAN package, its resources, tags, groups and organization included."""
    licence = datasets.licence(settings)
    published = ckan_time(entry.published_at)
    tags = [tag(label) for label in datasets.keywords(entry)]
    resources = [resource(entry, offer, i) for i, offer in enumerate(datasets.offers(settings, entry))]
    access = eu.access_right(entry.open_type, entry.secrecy)
    frequency = eu.frequency(entry.update_cycle)
    extras = {
        "identifier": entry.code, "version": str(entry.version), "region_code": entry.region_code,
        "open_type": entry.open_type.value, "open_conditions": entry.open_conditions or "",
        "update_cycle": entry.update_cycle.value, "access_rights": access.iri,
        "frequency": frequency.iri if frequency else "", "language": eu.CHINESE.iri,
        "theme": " ".join(t.concept.iri for t in datasets.themes(entry)),
    }  # fmt: skip
    return {
        "id": str(entry.entry_id), "name": str(entry.entry_id), "title": entry.name, "notes": entry.summary,
        "type": "dataset", "state": "active", "private": False, "version": str(entry.version),
        "url": datasets.dataset_url(settings, entry), "metadata_created": published, "metadata_modified": published,
        "author": None, "author_email": None, "maintainer": agency.name if agency else None,
        "maintainer_email": None, "creator_user_id": None,
        "license_id": licence_id(settings) if licence else None,
        "license_title": licence.title if licence else None, "license_url": licence.url if licence else None,
        # Whether anyone may use it as it is, without an application and an agreement (A24.1, A24.2).
        "isopen": entry.open_type == OpenType.unconditional,
        "owner_org": str(entry.provider_agency_id),
        "organization": organization(entry.provider_agency_id, agency),
        "groups": [group(t.code) for t in datasets.themes(entry)],
        "tags": tags, "num_tags": len(tags), "resources": resources, "num_resources": len(resources),
        "extras": [{"key": key, "value": value} for key, value in extras.items()],
        "relationships_as_object": [], "relationships_as_subject": [],
    }  # fmt: skip
