"""The hub's one vocabulary: the controlled values of the catalogue and the agency registry (A2.1, A13.1, A14.1,
A18.1, A19.1, A22.1, A38.1), as `StrEnum`s.

catalog-svc validates requests with them, the event contracts carry them typed, and every consumer parses them from
the events, so a value outside the vocabulary is refused where it enters and cannot pass as an unknown string.
"""

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


class AgencyKind(StrEnum):
    """The kinds of agency the Measures cover (A2.1, Articles 2 and 37)."""

    administrative_organ = "administrative_organ"  # 行政机关
    public_institution = "public_institution"  # 事业单位
    enterprise = "enterprise"  # 企业 (performing public functions)
    social_organisation = "social_organisation"  # 社会组织
    stationed_unit = "stationed_unit"  # 驻锡单位 (Article 37)


class EntryState(StrEnum):
    """Where a catalogue entry version stands in its review (A14.1)."""

    draft = "draft"
    submitted = "submitted"
    returned = "returned"
    published = "published"
    superseded = "superseded"
    retired = "retired"


class RiskLevel(StrEnum):
    """The risk a share or open decision was assessed to carry (A29.1): recorded with every decision."""

    low = "low"
    medium = "medium"
    high = "high"
