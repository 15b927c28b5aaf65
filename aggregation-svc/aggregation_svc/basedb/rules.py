"""The base databases of the Measures (A18.1)."""

from __future__ import annotations

# The five base databases the city builds (基础库), in the order Article 18 names them.
BASE_DATABASES: dict[str, str] = {
    "population": "人口基础库",
    "legal_persons": "法人基础库",
    "natural_resources_geography": "自然资源和空间地理基础库",
    "e_licences": "电子证照基础库",
    "social_credit": "社会信用基础库",
}
