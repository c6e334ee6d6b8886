"""Conditional requests (RFC 9110 section 13.1): If-Match and If-None-Match on the writes that
replace or edit a record, evaluated against the record's current entity tag.

- `If-Match: *` holds when the record exists; a list holds when any of its tags is the current
  one by strong comparison (a weak tag, W/"...", never does).
- `If-None-Match: *` holds when the record does not exist (a PUT that only creates); a list holds
  when none of its tags is the current one by weak comparison.
- If-Match is evaluated first; when it is present, a failed If-None-Match still answers 412 (a
  write is never answered 304)."""

import re
from dataclasses import dataclass

from chalicelib.domain.errors import BadRequest, StaleWrite

ANY = "*"
_ENTITY_TAG = re.compile(r'\s*(W/)?("[\x21\x23-\x7e\x80-\xff]*")\s*(?:,|$)')


@dataclass(frozen=True)
class EntityTag:
    opaque: str  # with its quotes, as sent and as the ETag header carries it
    weak: bool = False


@dataclass(frozen=True)
class Preconditions:
    """The request's conditions; None means the header was not sent."""

    if_match: tuple[EntityTag, ...] | str | None = None
    if_none_match: tuple[EntityTag, ...] | str | None = None

    @classmethod
    def from_headers(cls, if_match: str | None, if_none_match: str | None = None) -> "Preconditions":
        return cls(_parse("If-Match", if_match), _parse("If-None-Match", if_none_match))

    @classmethod
    def matching(cls, etag: str) -> "Preconditions":
        """Only over this version: what an edit form carries (a missing or altered one matches
        no version, since no ETag is empty)."""
        return cls(if_match=(EntityTag(etag),))

    @property
    def conditional(self) -> bool:
        """Whether the client made the write depend on what it last saw: a lost race is then
        the client's 412 to resolve, not the server's to retry."""
        return self.if_match is not None or self.if_none_match is not None

    def check(self, current_etag: str | None, what: str) -> None:
        """StaleWrite unless the conditions hold for the record's current tag (None: there is
        no record)."""
        if self.if_match is not None and not _matches(self.if_match, current_etag, weak=False):
            if current_etag is None:
                raise StaleWrite(f"{what} does not exist, so If-Match cannot hold.")
            raise StaleWrite(f"{what} has changed since you read it (If-Match).")
        if self.if_none_match is not None and _matches(self.if_none_match, current_etag, weak=True):
            if self.if_none_match == ANY:
                raise StaleWrite(f"{what} already exists (If-None-Match: *).")
            raise StaleWrite(f"{what} is still the version named in If-None-Match.")


NONE = Preconditions()


def _parse(header: str, value: str | None) -> tuple[EntityTag, ...] | str | None:
    if value is None or not value.strip():
        return None  # an empty header field counts as none, as before
    if value.strip() == ANY:
        return ANY
    tags, position = [], 0
    while position < len(value):
        match = _ENTITY_TAG.match(value, position)
        if match is None or match.end() == position:
            raise BadRequest(
                f'{header} must be * or a comma-separated list of entity tags ("..." or W/"...").',
                {header: ['must be * or a list of entity tags such as "abc" or W/"abc"']},
            )
        tags.append(EntityTag(match[2], weak=bool(match[1])))
        position = match.end()
    return tuple(tags)


def _matches(condition: tuple[EntityTag, ...] | str, current_etag: str | None, weak: bool) -> bool:
    if current_etag is None:
        return False
    if condition == ANY:
        return True
    current = EntityTag(current_etag.removeprefix("W/"), weak=current_etag.startswith("W/"))
    return any(
        tag.opaque == current.opaque and (weak or not (tag.weak or current.weak)) for tag in condition
    )
