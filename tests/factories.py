"""Valid objects in one line; a test states only what matters to it."""

from __future__ import annotations

import random
import string
from typing import Any

from catalog_svc.agencies.rules import CREDIT_CODE_CHARSET, credit_code_check_character


def credit_code(rng: random.Random | None = None) -> str:
    """A random unified social credit code with a correct GB 32100 check character."""
    rng = rng or random.Random()
    first17 = (
        rng.choice(["11", "12", "51", "52", "91"])
        + "".join(rng.choices(string.digits, k=6))
        + "".join(rng.choices(CREDIT_CODE_CHARSET, k=9))
    )
    return first17 + credit_code_check_character(first17)


def agency_body(**overrides: Any) -> dict[str, Any]:
    """The JSON body of an agency registration."""
    return {
        "credit_code": credit_code(),
        "name": "无锡市公安局",
        "kind": "administrative_organ",
        "region_code": "320200",
        "data_unit": "无锡市公安局大数据科",
        "responsible_person": "张三",
        **overrides,
    }
