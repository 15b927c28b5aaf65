"""Chinese full-text search by character bigrams: a two-character word must find its entries."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hub.search import bigrams, normalise, query_terms

# The 20,902 ideographs of the CJK Unified Ideographs block that GB 13000 / GBK cover.
hanzi = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
text_around = st.text(st.one_of(hanzi, st.sampled_from("，。、；：（）《》 ")), max_size=30)


def test_bigrams_of_chinese_text_are_its_overlapping_character_pairs() -> None:
    assert bigrams("居民身份证号码") == sorted(["居民", "民身", "身份", "份证", "证号", "号码"])


def test_bigrams_are_distinct() -> None:
    assert bigrams("社保社保") == ["保社", "社保"]


@given(st.text(hanzi, min_size=2, max_size=2), text_around, text_around)
def test_a_two_character_word_is_found_in_every_text_containing_it(word: str, before: str, after: str) -> None:
    assert bigrams(word) == [word]
    assert word in bigrams(before + word + after)


@given(st.text(hanzi, min_size=2, max_size=20))
def test_every_bigram_of_a_word_is_a_substring_of_it(word: str) -> None:
    grams = bigrams(word)
    assert all(len(g) == 2 and g in word for g in grams)
    assert set(grams) == {word[i : i + 2] for i in range(len(word) - 1)}


def test_full_width_and_upper_case_letters_fold_to_ascii_lower_case() -> None:
    assert normalise("ＧＤＰ增长Ａ１") == "gdp增长a1"
    assert bigrams("ＧＤＰ") == bigrams("gdp") == bigrams("GDP") == ["dp", "gd"]
    assert query_terms("Ａ") == query_terms("a") == ["a"]


def test_punctuation_and_spaces_split_words() -> None:
    assert bigrams("社保，医保") == bigrams("社保 医保") == ["医保", "社保"]
    assert "保医" not in bigrams("社保、医保")


def test_a_one_character_word_is_its_own_gram() -> None:
    assert bigrams("人，口") == ["人", "口"]


def test_query_terms_are_the_normalised_words_of_the_query() -> None:
    assert query_terms("  社保 缴费、ＧＤＰ《医保》 ") == ["社保", "缴费", "gdp", "医保"]
    assert query_terms(" ，。 ") == []
