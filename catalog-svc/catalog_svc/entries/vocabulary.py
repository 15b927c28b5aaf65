"""The controlled vocabularies of catalogue elements (A13.1, A18.1, A19.1, A22.1, A38.1)."""

from __future__ import annotations

from enum import StrEnum


class ShareType(StrEnum):
    """共享类型 (A19.1): sharing is the rule, not sharing the exception."""

    unconditional = "unconditional"  # 无条件共享
    conditional = "conditional"  # 有条件共享
    not_shared = "not_shared"  # 不予共享


class ShareMethod(StrEnum):
    """共享方式."""

    api = "api"
    file = "file"
    database = "database"


class OpenType(StrEnum):
    """开放类型 (A22.1)."""

    unconditional = "unconditional"  # 无条件开放
    conditional = "conditional"  # 有条件开放
    not_open = "not_open"  # 不予开放


class UpdateCycle(StrEnum):
    """更新周期."""

    real_time = "real_time"
    daily = "daily"
    weekly = "weekly"
    monthly = "monthly"
    quarterly = "quarterly"
    half_yearly = "half_yearly"
    yearly = "yearly"
    irregular = "irregular"


class Category(StrEnum):
    """Base databases built by the city, theme databases, department data (A18.1)."""

    base = "base"
    theme = "theme"
    department = "department"


class BaseDatabase(StrEnum):
    """The five base databases of Article 18."""

    population = "population"  # 人口
    legal_persons = "legal_persons"  # 法人
    natural_resources_geography = "natural_resources_geography"  # 自然资源和空间地理
    e_licences = "e_licences"  # 电子证照
    social_credit = "social_credit"  # 社会信用


class Secrecy(StrEnum):
    """Secrecy classification; `secret` data is never shared nor opened (A38.1)."""

    public = "public"
    internal = "internal"
    secret = "secret"  # noqa: S105 - a secrecy class, not a password


class ItemType(StrEnum):
    string = "string"
    integer = "integer"
    decimal = "decimal"
    boolean = "boolean"
    date = "date"
    datetime = "datetime"


class Sensitivity(StrEnum):
    public = "public"
    internal = "internal"
    sensitive = "sensitive"
    highly_sensitive = "highly_sensitive"


# The elements A13.1 names, as the fields that carry them, with the data items (信息项) the hub adds to them; a
# region's compilation rules may require more (A13.2) but never fewer.
A13_ELEMENTS = (
    "name", "summary", "provider_agency_id", "source_system", "share_type", "open_type", "update_cycle", "items",
)  # fmt: skip
KNOWN_ELEMENTS = (*A13_ELEMENTS, "classification", "category", "format", "share_method", "tags", "related_codes")
