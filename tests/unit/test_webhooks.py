"""Standard Webhooks verification, against the `standardwebhooks` package as the sender."""

import base64
import hashlib
import hmac
import json
import random
from datetime import datetime, timezone
from types import MappingProxyType

import pytest
from standardwebhooks.webhooks import Webhook

from chalicelib.domain.webhooks import (
    DEFAULT_TOLERANCE_SECONDS,
    SECRET_BYTES,
    SECRET_PREFIX,
    SignatureRejected,
    SignedDelivery,
    new_secret,
    secret_key,
    verify,
)

NOW = 1_767_225_600  # 2026-01-01T00:00:00Z
SECRET = "whsec_" + base64.b64encode(bytes(range(32))).decode()
OTHER_SECRET = "whsec_" + base64.b64encode(bytes(range(100, 132))).decode()
MSG_ID = "msg_2Lz9YpX0vQ"
BODY = '{"type": "component.upserted", "data": {"service_id": "svc-1", "note": "caf\u00e9"}}'


def signature(secret: str, msg_id: str, timestamp: int, payload: str) -> str:
    """What a real sender puts in webhook-signature: the library's `v1,<base64>`."""
    return Webhook(secret).sign(msg_id, datetime.fromtimestamp(timestamp, tz=timezone.utc), payload)


def sent(secret=SECRET, msg_id=MSG_ID, timestamp=NOW, payload=BODY) -> tuple[dict, bytes]:
    """The headers and raw body of a delivery signed by the library."""
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, msg_id, timestamp, payload),
    }
    return headers, payload.encode()


def rejected(headers, body, keys=None, now=NOW, **kwargs) -> str:
    with pytest.raises(SignatureRejected) as caught:
        verify(headers, body, [secret_key(SECRET)] if keys is None else keys, now, **kwargs)
    return str(caught.value)


def manual_signature(key: bytes, msg_id: str, timestamp_text: str, body: bytes) -> str:
    digest = hmac.new(key, f"{msg_id}.{timestamp_text}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


# --- accepted ------------------------------------------------------------------------------


def test_a_delivery_signed_by_the_library_verifies():
    headers, body = sent()
    assert verify(headers, body, [secret_key(SECRET)], NOW) == SignedDelivery(MSG_ID, NOW)


def test_the_returned_timestamp_is_the_header_value_as_an_int():
    headers, body = sent(timestamp=NOW - 42)
    delivery = verify(headers, body, [secret_key(SECRET)], NOW)
    assert delivery.timestamp == NOW - 42 and isinstance(delivery.timestamp, int)
    assert delivery.webhook_id == MSG_ID


def test_one_valid_signature_among_several_is_enough_even_last():
    headers, body = sent()
    valid = headers["webhook-signature"]
    valid_b64 = valid.split(",", 1)[1]
    headers["webhook-signature"] = " ".join(
        [
            signature(OTHER_SECRET, MSG_ID, NOW, BODY),  # right format, wrong key
            "v1a,c29tZXRoaW5n",  # another version: ignored
            "v2," + valid_b64,  # the right bytes under the wrong version: ignored
            "garbage",
            "v1,!!!",
            valid,
        ]
    )
    assert verify(headers, body, [secret_key(SECRET)], NOW).webhook_id == MSG_ID


def test_signature_entries_may_be_separated_by_any_whitespace():
    headers, body = sent()
    headers["webhook-signature"] = (
        "  " + signature(OTHER_SECRET, MSG_ID, NOW, BODY) + "\t  " + headers["webhook-signature"] + " "
    )
    assert verify(headers, body, [secret_key(SECRET)], NOW).webhook_id == MSG_ID


def test_a_valid_signature_beyond_the_entry_cap_is_not_considered():
    headers, body = sent()
    valid = headers["webhook-signature"]
    headers["webhook-signature"] = " ".join(["v1,AAAA"] * 19 + [valid])
    assert verify(headers, body, [secret_key(SECRET)], NOW).webhook_id == MSG_ID  # 20th: seen
    headers["webhook-signature"] = " ".join(["v1,AAAA"] * 20 + [valid])
    assert rejected(headers, body) == "no matching signature"  # 21st: not


def test_header_names_match_in_any_case():
    headers, body = sent()
    mixed = {
        "Webhook-Id": headers["webhook-id"],
        "WEBHOOK-TIMESTAMP": headers["webhook-timestamp"],
        "webhook-Signature": headers["webhook-signature"],
        "Content-Type": "application/json",
    }
    assert verify(mixed, body, [secret_key(SECRET)], NOW).webhook_id == MSG_ID
    # any Mapping, not only a dict
    assert verify(MappingProxyType(mixed), body, [secret_key(SECRET)], NOW).webhook_id == MSG_ID


def test_a_non_ascii_webhook_id_is_signed_and_verified_as_utf8():
    headers, body = sent(msg_id="msg_caf\u00e9_\u2603")
    assert verify(headers, body, [secret_key(SECRET)], NOW).webhook_id == "msg_caf\u00e9_\u2603"


def test_a_webhook_id_of_256_characters_is_accepted():
    headers, body = sent(msg_id="m" * 256)
    assert verify(headers, body, [secret_key(SECRET)], NOW).webhook_id == "m" * 256


# --- rejected: body, key ---------------------------------------------------------------------


def test_a_body_with_one_byte_changed_is_rejected():
    headers, body = sent()
    tampered = bytearray(body)
    tampered[10] ^= 0x01
    assert rejected(headers, bytes(tampered)) == "no matching signature"


@pytest.mark.parametrize(
    "change",
    [
        lambda b: b + b"\n",  # a trailing newline
        lambda b: b[:-1],  # truncated
        lambda b: json.dumps(json.loads(b), separators=(",", ":")).encode(),  # re-serialised
        lambda b: b"",
    ],
)
def test_the_raw_body_is_verified_exactly_as_received(change):
    headers, body = sent()
    assert change(body) != body
    assert rejected(headers, change(body)) == "no matching signature"


def test_a_different_webhook_id_or_timestamp_breaks_the_signature():
    headers, body = sent()
    assert rejected({**headers, "webhook-id": MSG_ID + "x"}, body) == "no matching signature"
    assert rejected({**headers, "webhook-timestamp": str(NOW - 1)}, body) == "no matching signature"


def test_a_delivery_signed_with_another_secret_is_rejected():
    headers, body = sent(secret=OTHER_SECRET)
    assert rejected(headers, body) == "no matching signature"


def test_no_keys_matches_nothing():
    headers, body = sent()
    assert rejected(headers, body, keys=[]) == "no matching signature"


def test_rotation_any_of_several_keys_may_match():
    headers, body = sent(secret=OTHER_SECRET)
    keys = [secret_key(SECRET), secret_key(OTHER_SECRET)]  # only the second matches
    assert verify(headers, body, keys, NOW).webhook_id == MSG_ID
    assert rejected(headers, body, keys=[secret_key(SECRET)]) == "no matching signature"
    assert verify(headers, body, [secret_key(OTHER_SECRET)], NOW).webhook_id == MSG_ID


# --- rejected: headers ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_a_missing_header_is_rejected(name):
    headers, body = sent()
    del headers[name]
    assert rejected(headers, body) == f"missing {name} header"


@pytest.mark.parametrize("name", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_an_empty_header_is_rejected(name):
    headers, body = sent()
    headers[name] = ""
    assert rejected(headers, body) == f"missing {name} header"


@pytest.mark.parametrize(
    "value",
    ["v1", "v1,", "v1,!!!", "garbage", "v2,VALID", "v1a,VALID", "VALID", "v1,VALID-but-not", ",VALID",
     "v1 ,VALID", "V1,VALID", "v1,VALID===", "\u2603"],
)
def test_a_malformed_signature_header_is_non_matching_not_an_error(value):
    headers, body = sent()
    valid_b64 = headers["webhook-signature"].split(",", 1)[1]
    headers["webhook-signature"] = value.replace("VALID", valid_b64)
    assert rejected(headers, body) == "no matching signature"


def test_an_unpadded_valid_signature_is_not_accepted():
    # strict base64: the library always pads, so a stripped signature is malformed
    headers, body = sent()
    assert headers["webhook-signature"].endswith("=")
    headers["webhook-signature"] = headers["webhook-signature"].rstrip("=")
    assert rejected(headers, body) == "no matching signature"


def test_a_webhook_id_longer_than_256_characters_is_rejected():
    headers, body = sent(msg_id="m" * 257)
    assert rejected(headers, body) == "webhook-id header too long"


@pytest.mark.parametrize("msg_id", ["msg\n1", "msg\r\n1", "\x00msg", "msg\x1b", "msg\x7f", "msg\x85"])
def test_a_webhook_id_with_control_characters_is_rejected(msg_id):
    headers, body = sent(msg_id=msg_id)  # validly signed all the same
    assert rejected(headers, body) == "webhook-id header has control characters"


def test_a_webhook_id_with_a_lone_surrogate_is_rejected():
    headers, body = sent()
    headers["webhook-id"] = "msg_\ud800"
    assert rejected(headers, body) == "webhook-id header is not valid text"


@pytest.mark.parametrize(
    "timestamp",
    ["12.5", "-1", " 123", "123 ", "abc", "+123", "1e9", "0x10", "1_767_225_600", "\u0661\u0662\u0663",
     "1767225600.0", "9" * 16],
)
def test_a_timestamp_that_is_not_a_plain_ascii_integer_is_rejected(timestamp):
    # signed correctly over the odd timestamp text, so only the format check can reject it
    key = secret_key(SECRET)
    body = BODY.encode()
    headers = {
        "webhook-id": MSG_ID,
        "webhook-timestamp": timestamp,
        "webhook-signature": manual_signature(key, MSG_ID, timestamp, body),
    }
    assert rejected(headers, body, keys=[key], now=12) == "webhook-timestamp header is not an integer"


def test_manual_signature_agrees_with_the_library():
    # so the timestamp-format tests above really are signed as a sender would
    headers, body = sent()
    assert manual_signature(secret_key(SECRET), MSG_ID, str(NOW), body) == headers["webhook-signature"]


# --- tolerance -----------------------------------------------------------------------------


def test_the_default_tolerance_is_five_minutes():
    assert DEFAULT_TOLERANCE_SECONDS == 300


@pytest.mark.parametrize("offset", [-DEFAULT_TOLERANCE_SECONDS, DEFAULT_TOLERANCE_SECONDS, 0])
def test_a_timestamp_exactly_at_the_tolerance_is_accepted(offset):
    headers, body = sent(timestamp=NOW + offset)
    assert verify(headers, body, [secret_key(SECRET)], NOW).timestamp == NOW + offset


def test_a_stale_timestamp_is_rejected():
    headers, body = sent(timestamp=NOW - DEFAULT_TOLERANCE_SECONDS - 1)
    assert rejected(headers, body) == "timestamp outside the tolerance"


def test_a_future_timestamp_is_rejected():
    headers, body = sent(timestamp=NOW + DEFAULT_TOLERANCE_SECONDS + 1)
    assert rejected(headers, body) == "timestamp outside the tolerance"


def test_a_custom_tolerance_applies_both_ways():
    for offset, ok in [(-10, True), (10, True), (-11, False), (11, False)]:
        headers, body = sent(timestamp=NOW + offset)
        if ok:
            assert verify(headers, body, [secret_key(SECRET)], NOW, tolerance=10).timestamp == NOW + offset
        else:
            assert rejected(headers, body, tolerance=10) == "timestamp outside the tolerance"
    # a wider tolerance accepts what the default would not
    headers, body = sent(timestamp=NOW - 3600)
    assert rejected(headers, body) == "timestamp outside the tolerance"
    assert verify(headers, body, [secret_key(SECRET)], NOW, tolerance=3600).timestamp == NOW - 3600
    # zero tolerance: only the very second
    headers, body = sent(timestamp=NOW)
    assert verify(headers, body, [secret_key(SECRET)], NOW, tolerance=0).timestamp == NOW
    assert rejected(headers, body, now=NOW + 1, tolerance=0) == "timestamp outside the tolerance"


def test_a_negative_tolerance_is_a_programming_error():
    headers, body = sent()
    with pytest.raises(ValueError):
        verify(headers, body, [secret_key(SECRET)], NOW, tolerance=-1)


# --- reasons are safe ----------------------------------------------------------------------


def test_no_reason_includes_the_secret_key_or_signature():
    headers, body = sent()
    sig = headers["webhook-signature"]
    secret_b64 = SECRET[len(SECRET_PREFIX) :]
    cases = [
        ({**headers, "webhook-signature": sig + "x"}, body),
        ({**headers, "webhook-signature": "v1," + secret_b64}, body),
        (headers, body + b"x"),
        ({**headers, "webhook-timestamp": "x"}, body),
        ({**headers, "webhook-timestamp": str(NOW + 999)}, body),
        ({k: v for k, v in headers.items() if k != "webhook-id"}, body),
    ]
    for case_headers, case_body in cases:
        reason = rejected(case_headers, case_body)
        assert reason and len(reason) < 80
        for secret_text in (SECRET, secret_b64, sig, sig.split(",", 1)[1]):
            assert secret_text not in reason


def test_signature_rejected_is_an_exception_not_a_value_error():
    assert issubclass(SignatureRejected, Exception)
    assert not issubclass(SignatureRejected, ValueError)


# --- secrets -------------------------------------------------------------------------------


def test_new_secret_format():
    secret = new_secret()
    assert secret.startswith(SECRET_PREFIX) and secret.startswith("whsec_")
    raw = base64.b64decode(secret[len("whsec_") :], validate=True)
    assert len(raw) == SECRET_BYTES >= 24
    assert secret_key(secret) == raw
    assert new_secret() != secret


def test_the_library_signs_with_a_new_secret_and_we_verify():
    secret = new_secret()
    headers, body = sent(secret=secret)
    assert verify(headers, body, [secret_key(secret)], NOW).webhook_id == MSG_ID
    assert rejected(headers, body, keys=[secret_key(new_secret())]) == "no matching signature"


def test_secret_key_decodes_what_follows_the_prefix():
    assert secret_key(SECRET) == bytes(range(32))
    assert secret_key("whsec_" + base64.b64encode(b"\xff" * 24).decode()) == b"\xff" * 24


@pytest.mark.parametrize(
    "secret",
    [
        "",
        "whsec_",
        base64.b64encode(bytes(32)).decode(),  # no prefix
        "WHSEC_" + base64.b64encode(bytes(32)).decode(),
        "whsk_" + base64.b64encode(bytes(32)).decode(),
        "whsec_!!!!",
        "whsec_abc",  # bad padding
        "whsec_" + base64.b64encode(bytes(32)).decode() + " ",
        "whsec_" + base64.urlsafe_b64encode(b"\xfb\xff" * 16).decode(),  # url-safe alphabet
        "whsec_caf\u00e9",
    ],
)
def test_secret_key_rejects_a_malformed_secret(secret):
    with pytest.raises(ValueError) as caught:
        secret_key(secret)
    assert secret == "" or secret not in str(caught.value)


# --- property-style ------------------------------------------------------------------------


def _random_text(rng: random.Random, max_len: int) -> str:
    alphabet = "abcXYZ019 _-.:{}[]\",\\/\u00e9\u00fc\u20ac\u2603\U0001f600\u4e2d"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, max_len)))


def test_whatever_the_library_signs_we_verify_and_any_flipped_byte_is_rejected():
    rng = random.Random(20260101)
    for _ in range(50):
        secret = "whsec_" + base64.b64encode(rng.randbytes(rng.randint(24, 64))).decode()
        other = "whsec_" + base64.b64encode(rng.randbytes(32)).decode()
        msg_id = "msg_" + _random_text(rng, 40)
        timestamp = NOW + rng.randint(-DEFAULT_TOLERANCE_SECONDS, DEFAULT_TOLERANCE_SECONDS)
        payload = json.dumps({"type": "org.kpis.recorded", "data": {"note": _random_text(rng, 200)}},
                             ensure_ascii=rng.random() < 0.5)
        headers, body = sent(secret=secret, msg_id=msg_id, timestamp=timestamp, payload=payload)
        keys = [secret_key(other), secret_key(secret)]
        rng.shuffle(keys)

        assert verify(headers, body, keys, NOW) == SignedDelivery(msg_id, timestamp)

        tampered = bytearray(body)
        tampered[rng.randrange(len(tampered))] ^= rng.randint(1, 255)
        assert rejected(headers, bytes(tampered), keys=keys) == "no matching signature"
        assert rejected(headers, body, keys=[secret_key(other)]) == "no matching signature"
