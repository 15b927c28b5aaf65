"""The portal's languages: every text of its pages and of its script is in the catalogue (messages.py), in Chinese and
in English.

A page names its texts by key (`t("home.heading")`); a key the catalogue lacks fails the page rather than showing a
blank or the key itself (the page tests render every page in both languages). Values of the hub's vocabularies are
keys too (`open_type.conditional`), so an enumeration value without a text is caught the same way. `{name}` in a
text is filled with the named value.
"""

from __future__ import annotations

from enum import StrEnum

from open_svc.portal.messages import MESSAGES


class Language(StrEnum):
    """The portal's languages: Chinese by default, English on request."""

    zh = "zh"
    en = "en"


# The page's lang attribute (BCP 47).
HTML_LANG = {Language.zh: "zh-CN", Language.en: "en"}
# The cookie remembering the reader's choice.
COOKIE = "lang"
# The texts the page's script needs, sent with each page in its language.
SCRIPT_PREFIXES = ("js.", "application_state.", "report_state.", "report_kind.")
SCRIPT_KEYS = ("demands.votes", "signin.needed", "nav.signin")


class Translator:
    """The texts of one language: `t(key, **values)`."""

    def __init__(self, language: Language) -> None:
        self.language = language
        self._index = 0 if language is Language.zh else 1

    def __call__(self, key: str, **values: object) -> str:
        """The text of `key`, its `{name}`s filled; a KeyError for a key the catalogue lacks."""
        text = MESSAGES[key][self._index]
        return text.format(**values) if values else text


def script_messages(language: Language) -> dict[str, str]:
    """The texts the page's script uses, in the language of the page."""
    t = Translator(language)
    return {key: t(key) for key in MESSAGES if key.startswith(SCRIPT_PREFIXES) or key in SCRIPT_KEYS}
