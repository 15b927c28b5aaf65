"""Text written into a CSV file meant to be opened in a spreadsheet, made safe from formula injection.

Excel, LibreOffice Calc and Google Sheets read a CSV cell that begins with `=`, `+`, `-` or `@` (or with a tab or
a carriage return, which some of them skip before reading on) as a formula, so text an agency or a citizen typed
would run in a bureau operator's spreadsheet (CSV injection, CWE-1236). Following OWASP's guidance on CSV
injection, every such cell gets a single quote (') in front: spreadsheets then show it as text. Nothing else
changes; quoting and escaping separators and double quotes stay the CSV writer's job (RFC 4180).

What machine readers receive: a text cell that starts with apostrophes followed by one of = + - @ tab CR had
exactly one apostrophe added; `restore_formula_text` takes it off again. So that this stays unambiguous, a value
that itself starts with apostrophes followed by one of those characters (`'=x`) gets one more (`''=x`); any
other value, one starting with an apostrophe followed by anything else (`'abc`) included, is written unchanged.

Values that look like negative numbers (`-5`, `-3.14`) are text cells like any other and get the apostrophe
too: a spreadsheet would read `-2+3` as a formula, and an exception for "numbers" would need a number grammar
that matches every spreadsheet's exactly. A column of real numbers is written as numbers (not text) and is
never touched; only `str` values pass through here.
"""

from __future__ import annotations

import re

# The first characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NEUTRALISED = re.compile("^'+[" + re.escape("".join(FORMULA_TRIGGERS)) + "]")


def neutralise_formula(text: str) -> str:
    """The cell text a spreadsheet shows as text: one apostrophe added in front of a formula trigger (= + - @,
    tab, carriage return), possibly behind apostrophes already there; every other text unchanged."""
    if text.startswith(FORMULA_TRIGGERS) or _NEUTRALISED.match(text):
        return "'" + text
    return text


def restore_formula_text(text: str) -> str:
    """The value `neutralise_formula` was given, from what it returned (what a machine reader does)."""
    return text[1:] if _NEUTRALISED.match(text) else text
