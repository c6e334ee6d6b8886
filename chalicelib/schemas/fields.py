"""Strict field types shared by the request schemas: JSON types only, limits from API.md."""

import math
import re
from urllib.parse import urlsplit

from marshmallow import ValidationError, fields, validate

NAME_MAX = 200
TEXT_MAX = 4000
URL_MAX = 2000
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
COMPONENT_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
# Calendar arithmetic (contract + 4 years, today - 12 months) stays inside Python's dates.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2999
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# The same rules as JSON Schema patterns, so that /openapi.json says what is accepted.
NAME_PATTERN = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
URL_PATTERN = r"^https?://[^\s\x00-\x1f\x7f/?#]+[^\s\x00-\x1f\x7f]*$"


def _no_control_characters(value: str) -> None:
    if _CONTROL.search(value):
        raise ValidationError("must not contain control characters")


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("must not be blank")


class Name(fields.String):
    """A short single-line name: 1-200 characters, not blank, no control characters."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "validate", [validate.Length(min=1, max=NAME_MAX), _not_blank, _no_control_characters]
        )
        kwargs.setdefault("metadata", {}).setdefault("pattern", NAME_PATTERN)
        super().__init__(**kwargs)


class Text(fields.String):
    """Free text (notes, justification, description): at most 4,000 characters."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validate", validate.Length(max=TEXT_MAX))
        super().__init__(**kwargs)


class HttpUrl(fields.String):
    """An absolute http(s) URL of at most 2,000 characters."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).update(pattern=URL_PATTERN, maxLength=URL_MAX, format="uri")
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > URL_MAX:
            raise ValidationError(f"must be at most {URL_MAX} characters")
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.netloc or _CONTROL.search(text) or " " in text:
            raise ValidationError("must be an absolute http or https URL")
        return text


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
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValidationError("must be a number")
        return float(value)


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
