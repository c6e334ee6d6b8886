"""RFC 9110 conditional requests, as chalicelib/domain/preconditions.py evaluates them."""

import pytest

from chalicelib.domain.errors import BadRequest, StaleWrite
from chalicelib.domain.preconditions import NONE, Preconditions

CURRENT = '"abc"'


def holds(if_match=None, if_none_match=None, current=CURRENT) -> bool:
    try:
        Preconditions.from_headers(if_match, if_none_match).check(current, "It")
    except StaleWrite:
        return False
    return True


@pytest.mark.parametrize(
    "if_match, current, expected",
    [
        ("*", CURRENT, True),
        ("*", None, False),
        ('"abc"', CURRENT, True),
        ('"x", "abc"', CURRENT, True),
        ('"x","y"', CURRENT, False),
        ('W/"abc"', CURRENT, False),  # strong comparison: a weak tag never matches
        ('"abc"', 'W/"abc"', False),
        ('"abc"', None, False),
        ("", CURRENT, True),  # an empty header is no condition
    ],
)
def test_if_match(if_match, current, expected):
    assert holds(if_match=if_match, current=current) is expected


@pytest.mark.parametrize(
    "if_none_match, current, expected",
    [
        ("*", None, True),
        ("*", CURRENT, False),
        ('"x"', CURRENT, True),
        ('W/"abc"', CURRENT, False),  # weak comparison
        ('"x", "abc"', CURRENT, False),
        ('"abc"', None, True),
    ],
)
def test_if_none_match(if_none_match, current, expected):
    assert holds(if_none_match=if_none_match, current=current) is expected


def test_if_match_is_evaluated_first():
    with pytest.raises(StaleWrite, match="If-Match"):
        Preconditions.from_headers('"other"', "*").check(CURRENT, "It")


@pytest.mark.parametrize("value", ["abc", '"abc', '"a" "b"', '"a",,"b"', 'W/abc', '"caf\u00e9\u2603"'])
def test_a_malformed_header_is_a_bad_request(value):
    with pytest.raises(BadRequest) as error:
        Preconditions.from_headers(value)
    assert "If-Match" in error.value.errors


def test_conditional_when_either_header_is_sent():
    assert not NONE.conditional
    assert Preconditions.from_headers("*").conditional
    assert Preconditions.from_headers(None, "*").conditional
    assert Preconditions.matching('"v"').conditional


def test_matching_compares_the_form_version_exactly():
    assert holds() and Preconditions.matching(CURRENT).check(CURRENT, "It") is None
    with pytest.raises(StaleWrite):
        Preconditions.matching("").check(CURRENT, "It")
