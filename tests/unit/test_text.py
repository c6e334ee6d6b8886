"""The text rules every incoming string passes (chalicelib/domain/text.py)."""

import re

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import text


@given(st.text())
def test_printable_text_always_encodes_as_utf8(value):
    text.printable(value).encode("utf-8")


@given(st.text(alphabet=st.characters(codec="utf-8")))
def test_printable_leaves_unicode_text_as_it_is(value):
    assert text.printable(value) == value


@given(st.text(alphabet=st.one_of(st.characters(categories=["Cf", "Zs"]), st.sampled_from("\t\n\r\u3164\u2800"))))
def test_whitespace_and_invisible_characters_alone_are_blank(value):
    assert text.is_blank(value)


def test_a_visible_character_is_not_blank():
    assert not text.is_blank("\u200b a \u200b")
    assert not text.is_blank("\U0001F468\u200d\U0001F469")


def test_unpaired_surrogates_are_found_by_their_path():
    data = {"name": "ok", "answers": [{"notes": "x\udc80"}, {"evidence": [{"title": "\ud800"}]}], "\udfff": 1}
    assert list(text.unpaired_surrogates(data)) == ["answers.0.notes", "answers.1.evidence.0.title", "\ufffd"]
    assert list(text.unpaired_surrogates({"pair": "\U0001F600"})) == []


@given(st.text(min_size=1))
def test_the_documented_name_pattern_is_never_stricter_than_the_rules(value):
    accepted = not text.is_blank(value) and not text.has_disguising_characters(value)
    documented = re.fullmatch(text.NAME_PATTERN, value, re.DOTALL) is not None
    if accepted:
        assert documented
    if documented:
        assert not text.has_disguising_characters(value)


@given(st.text())
def test_the_documented_url_pattern_refuses_what_the_rules_refuse(value):
    url = "https://example.org/" + value
    if text.has_url_unsafe_characters(url):
        assert re.fullmatch(text.URL_PATTERN, url, re.DOTALL) is None


def test_a_short_name_is_made_from_a_name_and_kept_unique():
    from chalicelib.domain.text import slug_for

    assert slug_for("Acme CaseBook 2") == "acme-casebook-2"
    assert slug_for("  Café — Payments!  ") == "cafe-payments"
    assert slug_for("CaseBook", {"casebook", "casebook-2"}) == "casebook-3"
    assert slug_for("***") == ""
    assert len(slug_for("x" * 300)) == 60
