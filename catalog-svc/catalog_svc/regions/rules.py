"""The region tree agrees with the one region rule (hub.regions, A4.1), as pure functions.

Scope is decided from codes alone (`region_contains`: a city's bureau sees the districts sharing its first four
digits), so a region is accepted into the tree only where that rule puts it: a city at the root, and each
county-level city or district directly under the city whose code it extends.
"""

from __future__ import annotations

from hub.regions import is_city, region_contains


def placement_problems(code: str, level: str, parent_code: str | None) -> list[dict[str, str]]:
    """Why a region cannot take this place in the tree, as problem+json `errors` entries (none: it can)."""
    if level == "city":
        problems = [] if is_city(code) else [{"field": "code", "message": "a city's code ends in 00 (GB/T 2260)"}]
        if parent_code is not None:
            problems.append({"field": "parent_code", "message": "a city is at the root of the tree"})
        return problems
    if parent_code is None:
        return [{"field": "parent_code", "message": f"a {level} lies in a city: name it"}]
    if not is_city(parent_code):
        return [{"field": "parent_code", "message": f"{parent_code} is not a city; a {level} lies in a city"}]
    if is_city(code) or code == parent_code or not region_contains(parent_code, code):
        return [{"field": "code", "message": f"a {level} of {parent_code} has a code {parent_code[:4]}01–99"}]
    return []
