"""What counts as text the tracker stores and shows: one set of rules for every string that comes
in (API bodies, webhook bodies, page forms) and one repair for anything already stored.

A JSON string may hold a lone UTF-16 surrogate ("\\udc80"): valid JSON, but not Unicode text, and
it cannot be encoded as UTF-8, so a page or CSV that shows it fails. Invisible characters make a
name that looks blank; bidirectional overrides and control characters make a name or a link
read differently from what it is (a URL's host can be disguised)."""

import re
import unicodedata
from collections.abc import Iterator

SURROGATE = re.compile("[\ud800-\udfff]")
# C0 and C1 controls and DEL, and the bidirectional embeddings, overrides and isolates
# (U+202A-U+202E, U+2066-U+2069).
_DISGUISING = "\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
DISGUISING = re.compile(f"[{_DISGUISING}]")
# In free text, line breaks and tabs are text; the other controls are not.
_TEXT_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Characters that render as nothing but are not whitespace to str.strip(): the format characters
# (category Cf: zero-width space and joiners, word joiner, BOM, soft hyphen...) and a few letters
# and symbols fonts draw blank (Hangul fillers, the blank Braille pattern, the combining grapheme
# joiner).
_BLANK_LOOKALIKES = frozenset("\u034f\u115f\u1160\u2800\u3164\uffa0")
# Characters an evidence URL must not hold raw (RFC 3986 has no place for them unencoded).
_URL_UNSAFE = re.compile(r'[\s"<>\\^`{|}]')

# The same rules as JSON Schema (ECMA-262) patterns, so that /openapi.json says what is accepted.
_NAME_CHAR = f"[^{_DISGUISING}]"
_INVISIBLE = "\u00ad\u034f\u115f\u1160\u180e\u200b-\u200f\u2060-\u2064\u2800\u3164\ufeff\uffa0"
NAME_PATTERN = f"^{_NAME_CHAR}*[^\\s{_DISGUISING}{_INVISIBLE}]{_NAME_CHAR}*$"
URL_PATTERN = f'^https?://[^\\s{_DISGUISING}"<>\\\\^`{{|}}/?#@]+[^\\s{_DISGUISING}"<>\\\\^`{{|}}]*$'


def is_blank(value: str) -> bool:
    """Nothing a reader would see: whitespace and invisible characters only."""
    return all(c.isspace() or c in _BLANK_LOOKALIKES or unicodedata.category(c) == "Cf" for c in value)


def has_disguising_characters(value: str) -> bool:
    return DISGUISING.search(value) is not None


def has_text_controls(value: str) -> bool:
    return _TEXT_CONTROLS.search(value) is not None


def has_url_unsafe_characters(value: str) -> bool:
    return _URL_UNSAFE.search(value) is not None or has_disguising_characters(value)


def unpaired_surrogates(data, path: str = "") -> Iterator[str]:
    """The field paths ("answers.0.notes", a key itself included) of every string in a parsed
    JSON value that holds a lone surrogate."""
    if isinstance(data, str):
        if SURROGATE.search(data):
            yield path or "body"
    elif isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}.{printable(key)}" if path else printable(key)
            if SURROGATE.search(key):
                yield where
            yield from unpaired_surrogates(value, where)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from unpaired_surrogates(value, f"{path}.{index}" if path else str(index))


def printable(value: str) -> str:
    """`value` with any lone surrogate replaced by U+FFFD, so that it always encodes as UTF-8."""
    return SURROGATE.sub("\ufffd", value)


MAX_SLUG_CHARS = 60  # under the component_id limit of 63, leaving room for "-2" and the like


def slug_for(name: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A short name for a record from its name ("Acme CaseBook 2" -> "acme-casebook-2"), not
    one of `taken` (a "-2", "-3" ... is added); "" when the name has no letter or digit."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    base = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:MAX_SLUG_CHARS].strip("-")
    if not base:
        return ""
    chosen, n = base, 1
    while chosen in taken:
        n += 1
        chosen = f"{base}-{n}"
    return chosen
