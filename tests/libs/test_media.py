"""The one reading of a text body's charset (hub.media): what every service answers for the same Content-Type."""

from __future__ import annotations

import pytest

from hub.errors import UnsupportedMediaType
from hub.media import text_charset


@pytest.mark.parametrize(
    ("content_type", "codec"),
    [
        (None, "utf-8-sig"),  # no charset: UTF-8, a byte-order mark allowed
        ("text/csv", "utf-8-sig"),
        ("text/csv; charset=utf-8", "utf-8-sig"),
        ('text/csv; charset="UTF-8"', "utf-8-sig"),  # a quoted-string value, RFC 9110 §5.6.6
        ("text/csv;CHARSET=utf8", "utf-8-sig"),  # parameter names are case-insensitive
        ("text/csv; charset=", "utf-8-sig"),
        ("text/csv; header=present; charset=GB18030", "gb18030"),  # what Excel saves in China
        ("text/csv; charset=gbk", "gbk"),
        ("text/csv; charset=ISO-8859-1", "iso8859-1"),
        ("text/csv; charset=UTF-16", "utf-16"),
    ],
)
def test_the_charset_parameter_names_the_codec_utf_8_by_default(content_type: str | None, codec: str) -> None:
    assert text_charset(content_type) == codec


@pytest.mark.parametrize("charset", ["klingon", "utf-9", "a\x00b"])
def test_an_unknown_charset_is_415_unsupported_media_type_rfc_9110(charset: str) -> None:
    with pytest.raises(UnsupportedMediaType) as refused:
        text_charset(f"text/csv; charset={charset}")
    assert refused.value.status == 415
    assert refused.value.errors == [{"field": "charset", "message": "unknown"}]


@pytest.mark.parametrize(
    "charset",
    ["base64", "rot13", "zlib", "bz2", "hex", "uu", "quopri", "undefined", "unicode_escape", "raw_unicode_escape",
     "idna", "punycode", "charmap"],
)  # fmt: skip
def test_a_codec_that_is_no_character_set_is_415_not_a_decoder_run_on_the_body_A28_1(charset: str) -> None:
    with pytest.raises(UnsupportedMediaType) as refused:
        text_charset(f"text/csv; charset={charset}")
    assert refused.value.body()["type"] == "/problems/unsupported-media-type"
    assert refused.value.errors == [{"field": "charset", "message": "not a character set"}]
