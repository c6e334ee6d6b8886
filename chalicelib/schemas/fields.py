"""Strict field types shared by the request schemas: JSON types only, limits from API.md."""

import math
import re
from urllib.parse import urlsplit

from marshmallow import ValidationError, fields, validate

from chalicelib.domain import text
from chalicelib.domain.text import NAME_PATTERN, URL_PATTERN

NAME_MAX = 200
TEXT_MAX = 4000
URL_MAX = 2000
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
COMPONENT_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
# Calendar arithmetic (contract + 4 years, today - 12 months) stays inside Python's dates.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2999


def _no_disguising_characters(value: str) -> None:
    if text.has_disguising_characters(value):
        raise ValidationError("must not contain control or bidirectional-override characters")


def _no_text_controls(value: str) -> None:
    if text.has_text_controls(value):
        raise ValidationError("must not contain control characters other than line breaks and tabs")


def _not_blank(value: str) -> None:
    if text.is_blank(value):
        raise ValidationError("must not be blank")


class Name(fields.String):
    """A short single-line name: 1-200 characters, not blank, no control characters."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "validate", [validate.Length(min=1, max=NAME_MAX), _not_blank, _no_disguising_characters]
        )
        kwargs.setdefault("metadata", {}).setdefault("pattern", NAME_PATTERN)
        super().__init__(**kwargs)


class Text(fields.String):
    """Free text (notes, justification, description): at most 4,000 characters, lines and tabs
    but no other control characters."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validate", validate.Length(max=TEXT_MAX))
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        _no_text_controls(result)
        return result


class HttpUrl(fields.String):
    """An absolute http(s) URL of at most 2,000 characters, with a host and no user name, and
    nothing that could disguise where it leads (controls, bidirectional overrides, spaces,
    quotes, angle brackets)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).update(pattern=URL_PATTERN, maxLength=URL_MAX, format="uri")
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        url = super()._deserialize(value, attr, data, **kwargs)
        if len(url) > URL_MAX:
            raise ValidationError(f"must be at most {URL_MAX} characters")
        if text.has_url_unsafe_characters(url):
            raise ValidationError("must not contain spaces, quotes, angle brackets or control characters")
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError:  # e.g. an unclosed IPv6 bracket
            raise ValidationError("must be an absolute http or https URL") from None
        if parts.scheme not in ("http", "https") or not host:
            raise ValidationError("must be an absolute http or https URL")
        if "@" in parts.netloc:
            raise ValidationError("must not contain a user name (it hides the real host)")
        return url


class StrictBoolean(fields.Boolean):
    """Only JSON true and false (not "yes", 1 or "true")."""

    def __init__(self, **kwargs):
        super().__init__(truthy={True}, falsy={False}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError("must be true or false")
        return value


class StrictNumber(fields.Float):
    """A JSON number (not a string or a boolean), finite."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValidationError("must be a number")
        try:
            number = float(value)  # a JSON integer may have hundreds of digits: OverflowError
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise ValidationError("must be a finite number within the range of a double")
        return number


class StrictDate(fields.Date):
    """An ISO 8601 calendar date, YYYY-MM-DD, from 1900 to 2999."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault("pattern", r"^(19[0-9]{2}|2[0-9]{3})-[0-9]{2}-[0-9]{2}$")
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise ValidationError("must be a date, YYYY-MM-DD")
        day = super()._deserialize(value, attr, data, **kwargs)
        if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
            raise ValidationError(f"must be between {EARLIEST_YEAR} and {LATEST_YEAR}")
        return day
