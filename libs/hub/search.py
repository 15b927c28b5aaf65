"""Chinese full-text search by character bigrams, for every service that searches Chinese text (catalog-svc's
catalogue, open-svc's datasets).

Chinese text has no spaces between words, and a two-character word (e.g. 社保) must find its entries. pg_trgm
indexes trigrams and cannot use its index for a two-character pattern, so a searchable row stores the set of its
character bigrams in an array with a GIN index: a query matches rows holding all of its bigrams (index lookup),
then a substring recheck removes bigrams that happen to be far apart.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+")


def normalise(text: str) -> str:
    """Case- and width-folded text (full-width ＡＢＣ and ASCII abc compare equal)."""
    return unicodedata.normalize("NFKC", text).casefold()


def bigrams(text: str) -> list[str]:
    """The distinct character bigrams of every word of the text (a one-character word is its own gram)."""
    grams: set[str] = set()
    for word in _WORD.findall(normalise(text)):
        if len(word) == 1:
            grams.add(word)
        grams.update(word[i : i + 2] for i in range(len(word) - 1))
    return sorted(grams)


def query_terms(query: str) -> list[str]:
    """The words of a query, normalised; every one must occur in a matching entry."""
    return _WORD.findall(normalise(query))
