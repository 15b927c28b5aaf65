"""The national identifiers a party of the hub states, checked by their standards' check characters.

* 公民身份号码 (GB 11643-1999): 6-digit division code, 8-digit birth date, 3-digit sequence, and a check character
  by ISO 7064 MOD 11-2 (X for 10).
* 统一社会信用代码 (GB 32100-2015): 18 characters of a 31-character set (no I, O, S, V, Z), the 18th a check
  character modulo 31.

Each `…_problem` function returns why a value is invalid, or None: a schema's validator turns it into a 422 naming
the field. The check proves the value is well formed, not that it belongs to the person stating it.
"""

from __future__ import annotations

from datetime import date

# GB 11643-1999 §8.2: weights 2^(i-1) mod 11 of positions 18 … 2, and the check character for each remainder.
RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK = "10X98765432"
# GB 32100-2015: the code's character set and the weights of its first 17 characters (3^(i-1) mod 31).
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def resident_id_check_character(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits of a citizen identity number."""
    total = sum(int(c) * w for c, w in zip(first17, RESIDENT_ID_WEIGHTS, strict=True))
    return RESIDENT_ID_CHECK[total % 11]


def resident_id_problem(number: str) -> str | None:
    """Why a citizen identity number (公民身份号码) is malformed, or None if it is well formed (GB 11643-1999)."""
    if len(number) != 18:
        return f"must be 18 characters, got {len(number)}"
    if not (number[:17].isascii() and number[:17].isdigit()) or number[17] not in "0123456789X":
        return "must be 17 digits followed by a digit or X"
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "characters 7-14 must be a date of birth (YYYYMMDD)"
    if born.year < 1850:
        return "characters 7-14 must be a date of birth (YYYYMMDD)"
    expected = resident_id_check_character(number[:17])
    if number[17] != expected:
        return f"check character is {number[17]!r} but GB 11643 gives {expected!r}"
    return None


def credit_code_check_character(first17: str) -> str:
    """The GB 32100 check character of the first 17 characters of a unified social credit code."""
    total = sum(CREDIT_CODE_CHARSET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """Why a unified social credit code (统一社会信用代码) is malformed, or None if it is well formed (GB 32100)."""
    if len(code) != 18:
        return f"must be 18 characters, got {len(code)}"
    bad = sorted({c for c in code if c not in CREDIT_CODE_CHARSET})
    if bad:
        return f"contains characters not allowed by GB 32100: {''.join(bad)}"
    if not code[2:8].isdigit():
        return "characters 3-8 must be the administrative division code (digits)"
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        return f"check character is {code[17]!r} but GB 32100 gives {expected!r}"
    return None
