"""Reading the portal's pages as a program: the form fields and their labels, the addresses a page loads or links
to, with the standard library's HTML parser (what a screen reader's accessibility tree is built from)."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

# Inputs a person fills in or chooses; hidden inputs and buttons are none.
UNLABELLED_INPUT_TYPES = frozenset({"hidden", "submit", "button", "reset", "image"})


@dataclass
class Field:
    tag: str
    id: str | None
    name: str | None
    aria_label: str | None
    wrapped: bool  # inside a <label>


class PageReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: list[Field] = []
        self.labelled: set[str] = set()  # ids a <label for> names
        self.addresses: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.html_lang: str | None = None
        self._labels_open = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "html":
            self.html_lang = attributes.get("lang")
        if tag == "label":
            self._labels_open += 1
            if attributes.get("for"):
                self.labelled.add(str(attributes["for"]))
        is_field = tag in ("select", "textarea") or (
            tag == "input" and (attributes.get("type") or "text") not in UNLABELLED_INPUT_TYPES
        )
        if is_field:
            self.fields.append(Field(tag, attributes.get("id"), attributes.get("name"), attributes.get("aria-label"),
                                     self._labels_open > 0))  # fmt: skip
        for attribute in ("href", "src", "action"):
            if attributes.get(attribute) is not None:
                self.addresses.append((tag, attribute, str(attributes[attribute])))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._labels_open -= 1

    def unlabelled(self) -> list[Field]:
        """Fields no label names, none wraps, and no aria-label describes."""
        return [f for f in self.fields if not (f.wrapped or f.aria_label or (f.id and f.id in self.labelled))]


def read_page(html: str) -> PageReader:
    reader = PageReader()
    reader.feed(html)
    reader.close()
    return reader
