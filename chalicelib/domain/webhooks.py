"""Standard Webhooks signatures: secrets, and verifying an incoming delivery.

Pure: no I/O, no clock (the caller passes `now`), standard library only. Per the Standard
Webhooks specification a delivery carries three headers:

- `webhook-id`: the message id (the idempotency key),
- `webhook-timestamp`: integer seconds since the epoch,
- `webhook-signature`: space-delimited `v1,<base64 HMAC-SHA256>` entries,

and the signed content is `{id}.{timestamp}.` followed by the raw body bytes exactly as
received, keyed by the base64-decoded part of the `whsec_` secret. Several keys may be given
(the old and new secret while a rotation overlaps); any one of them may match.

We verify here rather than with the `standardwebhooks` package, whose tolerance is fixed,
which takes one secret, and which raises a plain ValueError on a malformed header; the tests
use that package as the independent sender.
"""

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # at least 24 random bytes, per the issue
DEFAULT_TOLERANCE_SECONDS = 300

MAX_ID_LENGTH = 256
MAX_TIMESTAMP_DIGITS = 15  # far beyond any real epoch second; bounds int() on hostile input
MAX_SIGNATURE_ENTRIES = 20  # bounds the work one request can cause
SIGNATURE_VERSION = "v1"

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"


class SignatureRejected(Exception):
    """The delivery is not authentic (-> 401). `str(e)` is a short reason, safe to log or
    show: it never includes a secret, a key or a signature."""


@dataclass(frozen=True)
class SignedDelivery:
    webhook_id: str
    timestamp: int


def new_secret() -> str:
    """A fresh secret: `whsec_` + standard base64 of SECRET_BYTES random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The HMAC key of a `whsec_` secret. ValueError (without the secret in the message) if
    the prefix is missing or the rest is not non-empty, strictly valid base64."""
    if not isinstance(secret, str) or not secret.startswith(SECRET_PREFIX):
        raise ValueError("webhook secret must start with 'whsec_'")
    encoded = secret[len(SECRET_PREFIX) :]
    try:
        key = base64.b64decode(encoded.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        raise ValueError("webhook secret is not valid base64") from None
    if not key:
        raise ValueError("webhook secret is empty")
    return key


def _header(headers: Mapping[str, str], name: str) -> str:
    value = None
    for key, candidate in headers.items():
        if isinstance(key, str) and key.lower() == name:
            value = candidate
    if not isinstance(value, str) or not value:
        raise SignatureRejected(f"missing {name} header")
    return value


def _has_control_characters(text: str) -> bool:
    return any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in text)


def _candidate_signatures(header: str) -> list[bytes]:
    """The decoded `v1` signatures in the header; anything malformed is simply skipped."""
    candidates = []
    for entry in header.split()[:MAX_SIGNATURE_ENTRIES]:
        version, comma, encoded = entry.partition(",")
        if not comma or version != SIGNATURE_VERSION or not encoded:
            continue
        try:
            candidates.append(base64.b64decode(encoded.encode("ascii"), validate=True))
        except (UnicodeEncodeError, binascii.Error):
            continue
    return candidates


def verify(
    headers: Mapping[str, str],
    body: bytes,
    keys: Sequence[bytes],
    now: int,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> SignedDelivery:
    """Check a delivery's Standard Webhooks signature; return its id and timestamp.

    `headers` is any mapping (names matched case-insensitively), `body` the raw request
    bytes, `keys` the HMAC keys (see `secret_key`) any one of which may match, `now` the
    current epoch second. Raises SignatureRejected with a short safe reason otherwise.
    """
    if tolerance < 0:
        raise ValueError("tolerance must not be negative")

    webhook_id = _header(headers, ID_HEADER)
    timestamp_text = _header(headers, TIMESTAMP_HEADER)
    signature_header = _header(headers, SIGNATURE_HEADER)

    if len(webhook_id) > MAX_ID_LENGTH:
        raise SignatureRejected("webhook-id header too long")
    if _has_control_characters(webhook_id):
        raise SignatureRejected("webhook-id header has control characters")

    if (
        not timestamp_text.isascii()
        or not timestamp_text.isdigit()
        or len(timestamp_text) > MAX_TIMESTAMP_DIGITS
    ):
        raise SignatureRejected("webhook-timestamp header is not an integer")
    timestamp = int(timestamp_text)
    if abs(now - timestamp) > tolerance:
        raise SignatureRejected("timestamp outside the tolerance")

    try:
        prefix = f"{webhook_id}.{timestamp_text}.".encode()
    except UnicodeEncodeError:  # a lone surrogate: no sender could have signed it
        raise SignatureRejected("webhook-id header is not valid text") from None
    signed_content = prefix + bytes(body)
    expected = [hmac.new(bytes(key), signed_content, hashlib.sha256).digest() for key in keys]
    for candidate in _candidate_signatures(signature_header):
        for digest in expected:
            if hmac.compare_digest(candidate, digest):
                return SignedDelivery(webhook_id=webhook_id, timestamp=timestamp)
    raise SignatureRejected("no matching signature")
