"""Opaque list cursors: the sort position of the last item returned, base64url-encoded JSON.

A cursor never carries a partition key: the partition always comes from the request path, so a
forged cursor cannot reach another organisation's items."""

import base64
import binascii
import json

from chalicelib.domain.errors import BadRequest


def encode_cursor(position: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([position]).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if not isinstance(decoded, list) or len(decoded) != 1 or not isinstance(decoded[0], str) or not decoded[0]:
            raise ValueError
        decoded[0].encode("utf-8")  # a lone surrogate could not be sent to DynamoDB
        return decoded[0]
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise BadRequest("The cursor is not valid.", {"cursor": ["not a cursor this list issued"]}) from None
