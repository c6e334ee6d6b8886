"""One suite, two secret boxes: KMS envelope encryption (over moto) and the local key file must
keep the same promises, so code written against one is right with the other."""

import base64
import itertools
import os
import stat
import subprocess
import sys

import boto3
import botocore.session
import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber

from chalicelib.adapters.secretbox import (
    KmsSecretBox,
    LocalSecretBox,
    SecretBoxMisconfigured,
    SecretBoxUnavailable,
    secret_box_from_env,
)

REGION = "eu-west-2"
SECRET = b"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
CONTEXT = {"org": "testshire", "integration": "01J0000000000000000000000A"}
_key_files = itertools.count(1)


@pytest.fixture(params=["kms", "local"])
def kind(request):
    return request.param


@pytest.fixture(scope="module")
def kms_keys(aws):
    """KMS key ids in moto, made when first asked for and shared by the module's tests (moto
    takes a while to make a key)."""
    kms = boto3.client("kms", region_name=REGION)
    keys: list[str] = []

    def key(n: int) -> str:
        while len(keys) <= n:
            keys.append(kms.create_key(Description="integration secrets")["KeyMetadata"]["KeyId"])
        return keys[n]

    return key


@pytest.fixture
def new_box(kind, request, tmp_path):
    """Makes boxes of the kind under test, each with a key of its own."""
    if kind == "kms":
        kms_key = request.getfixturevalue("kms_keys")
        made = itertools.count()

        def make():
            return KmsSecretBox(kms_key(next(made)))

    else:

        def make():
            return LocalSecretBox(tmp_path / f"secrets-{next(_key_files)}.key")

    return make


@pytest.fixture
def box(new_box):
    return new_box()


def flip(text: str, index: int) -> str:
    replacement = "B" if text[index] != "B" else "C"
    return text[:index] + replacement + text[index + 1 :]


# --- the shared contract -------------------------------------------------------------------------


@pytest.mark.parametrize("plaintext", [SECRET, b"", "caf\u00e9 \u2603".encode(), os.urandom(1000)])
def test_round_trip(box, plaintext):
    assert box.open(box.seal(plaintext, CONTEXT), CONTEXT) == plaintext


def test_context_order_does_not_matter(box):
    sealed = box.seal(SECRET, CONTEXT)
    assert box.open(sealed, dict(reversed(list(CONTEXT.items())))) == SECRET


def test_sealed_text_is_opaque_storable_ascii(box):
    sealed = box.seal(SECRET, CONTEXT)
    assert sealed.isascii() and sealed.isprintable() and " " not in sealed
    forms = [
        SECRET.decode(),
        SECRET[len(b"whsec_") :].decode(),
        base64.b64encode(SECRET).decode().rstrip("="),
        base64.urlsafe_b64encode(SECRET).decode().rstrip("="),
        SECRET.hex(),
        SECRET.hex().upper(),
    ]
    for form in forms:
        assert form not in sealed
    for value in CONTEXT.values():
        assert value not in sealed  # the context is bound, not stored


def test_two_seals_of_the_same_secret_differ(box):
    first, second = box.seal(SECRET, CONTEXT), box.seal(SECRET, CONTEXT)
    assert first != second
    assert box.open(first, CONTEXT) == box.open(second, CONTEXT) == SECRET


@pytest.mark.parametrize(
    "other",
    [
        {**CONTEXT, "org": "otherton"},
        {**CONTEXT, "extra": ""},
        {"org": CONTEXT["org"]},
        {"org": CONTEXT["org"] + CONTEXT["integration"][:1], "integration": CONTEXT["integration"][1:]},
        {"orgt": "estshire", "integration": CONTEXT["integration"]},
    ],
    ids=["other-value", "extra-key", "missing-key", "shifted-value", "shifted-key"],
)
def test_wrong_context_cannot_open(box, other):
    sealed = box.seal(SECRET, CONTEXT)
    with pytest.raises(ValueError, match="^cannot open secret$"):
        box.open(sealed, other)


def test_tampered_text_cannot_open(box):
    sealed = box.seal(SECRET, CONTEXT)
    with pytest.raises(ValueError, match="^cannot open secret$"):
        box.open(flip(sealed, len(sealed) // 2), CONTEXT)


def test_no_single_character_change_opens(kind, box):
    sealed = box.seal(SECRET, CONTEXT)
    prefix = sealed.index(":") + 1
    # moto's encrypted data key starts with its key id in clear (36 bytes, 48 base64 characters);
    # change that and moto answers AccessDeniedException (no such key) -> SecretBoxMisconfigured.
    moto_key_id = range(prefix, prefix + 48) if kind == "kms" else range(0)
    for index in range(prefix, len(sealed)):
        expected = (ValueError, SecretBoxMisconfigured) if index in moto_key_id else ValueError
        with pytest.raises(expected):
            box.open(flip(sealed, index), CONTEXT)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda s: s[:-1],
        lambda s: s[: len(s) // 2],
        lambda s: s + "A",
        lambda s: s + ".AAAA",
        lambda s: s.split(":", 1)[1],
        lambda s: "nope1:" + s.split(":", 1)[1],
        lambda s: s.replace(".", "", 1),
        lambda s: s.split(":", 1)[0] + ":",
        lambda s: "",
        lambda s: s + "=",
        lambda s: s[:-3] + "!!!",
        lambda s: s.split(":", 1)[0] + ":" + "A" * 20_000,
    ],
    ids=[
        "truncated-1",
        "halved",
        "extended",
        "extra-part",
        "no-prefix",
        "other-prefix",
        "missing-part",
        "prefix-only",
        "empty",
        "padding",
        "not-base64",
        "huge",
    ],
)
def test_malformed_text_cannot_open(box, mangle):
    sealed = box.seal(SECRET, CONTEXT)
    with pytest.raises(ValueError, match="^cannot open secret$"):
        box.open(mangle(sealed), CONTEXT)


def test_a_box_with_another_key_cannot_open(kind, new_box):
    mine, theirs = new_box(), new_box()
    sealed = theirs.seal(SECRET, CONTEXT)
    if kind == "kms":
        # Real KMS answers IncorrectKeyException (-> ValueError, see the stubbed test below);
        # moto answers AccessDeniedException, which on AWS means the role may not use the key.
        with pytest.raises((ValueError, SecretBoxMisconfigured)):
            mine.open(sealed, CONTEXT)
    else:
        with pytest.raises(ValueError, match="^cannot open secret$"):
            mine.open(sealed, CONTEXT)
    assert theirs.open(sealed, CONTEXT) == SECRET


def test_the_other_kind_of_box_cannot_open(box, tmp_path, kms_keys):
    others = [LocalSecretBox(tmp_path / "other.key"), KmsSecretBox(kms_keys(0))]
    for other in others:
        if type(other) is type(box):
            continue
        with pytest.raises(ValueError, match="^cannot open secret$"):
            box.open(other.seal(SECRET, CONTEXT), CONTEXT)


@pytest.mark.parametrize("context", [{}, {"org": 1}, {1: "x"}, [("org", "x")], None])
def test_context_must_be_a_non_empty_dict_of_strings(box, context):
    with pytest.raises((TypeError, ValueError)):
        box.seal(SECRET, context)


def test_plaintext_must_be_bytes(box):
    with pytest.raises(TypeError):
        box.seal(SECRET.decode(), CONTEXT)


# --- the local key file --------------------------------------------------------------------------


def test_local_key_file_is_made_0600_on_first_use_and_reused(tmp_path):
    key_file = tmp_path / "nested" / "integration-secrets.key"
    first = LocalSecretBox(key_file)
    assert not key_file.exists()  # nothing happens until a secret is sealed or opened
    sealed = first.seal(SECRET, CONTEXT)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    contents = key_file.read_bytes()
    assert len(base64.b64decode(contents.strip(), validate=True)) == 32

    second = LocalSecretBox(key_file)  # as after a restart of the local server
    assert second.open(sealed, CONTEXT) == SECRET
    second.seal(SECRET, CONTEXT)
    assert key_file.read_bytes() == contents


def test_local_key_file_is_0600_whatever_the_umask(tmp_path):
    old = os.umask(0)
    try:
        key_file = tmp_path / "integration-secrets.key"
        LocalSecretBox(key_file).seal(SECRET, CONTEXT)
    finally:
        os.umask(old)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


@pytest.mark.parametrize("contents", [b"", b"not base64!\n", base64.b64encode(b"short") + b"\n"])
def test_a_broken_local_key_file_is_a_misconfiguration(tmp_path, contents):
    key_file = tmp_path / "integration-secrets.key"
    key_file.write_bytes(contents)
    with pytest.raises(SecretBoxMisconfigured) as raised:
        LocalSecretBox(key_file).seal(SECRET, CONTEXT)
    assert str(key_file) in str(raised.value)


def test_a_replaced_local_key_file_cannot_open_old_secrets(tmp_path):
    key_file = tmp_path / "integration-secrets.key"
    sealed = LocalSecretBox(key_file).seal(SECRET, CONTEXT)
    key_file.unlink()
    with pytest.raises(ValueError, match="^cannot open secret$"):
        LocalSecretBox(key_file).open(sealed, CONTEXT)


# --- choosing a box ------------------------------------------------------------------------------


def test_kms_key_id_selects_kms_even_beside_a_local_key_file(tmp_path):
    environ = {
        "INTEGRATION_KMS_KEY_ID": "alias/ldd-integrations",
        "LDD_LOCAL_SECRET_KEY_FILE": str(tmp_path / "k"),
        "AWS_LAMBDA_FUNCTION_NAME": "ldd-tracker-dev",
    }
    box = secret_box_from_env(environ)
    assert isinstance(box, KmsSecretBox) and box.key_id == "alias/ldd-integrations"
    assert box._client is None  # no client until the first call


def test_local_key_file_selects_the_local_box(tmp_path):
    box = secret_box_from_env({"LDD_LOCAL_SECRET_KEY_FILE": str(tmp_path / "k")})
    assert isinstance(box, LocalSecretBox) and box.key_file == tmp_path / "k"
    assert not (tmp_path / "k").exists()


def test_a_deployed_function_may_not_use_a_local_key_file(tmp_path):
    environ = {"LDD_LOCAL_SECRET_KEY_FILE": str(tmp_path / "k"), "AWS_LAMBDA_FUNCTION_NAME": "ldd-tracker-dev"}
    with pytest.raises(SecretBoxMisconfigured, match="INTEGRATION_KMS_KEY_ID"):
        secret_box_from_env(environ)
    assert not (tmp_path / "k").exists()


@pytest.mark.parametrize("environ", [{}, {"INTEGRATION_KMS_KEY_ID": "", "LDD_LOCAL_SECRET_KEY_FILE": ""}])
def test_nothing_configured_is_a_misconfiguration(environ):
    with pytest.raises(SecretBoxMisconfigured, match="INTEGRATION_KMS_KEY_ID is not set"):
        secret_box_from_env(environ)


def test_secret_box_from_env_reads_the_process_environment_by_default(monkeypatch, tmp_path):
    monkeypatch.delenv("INTEGRATION_KMS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    monkeypatch.setenv("LDD_LOCAL_SECRET_KEY_FILE", str(tmp_path / "k"))
    assert isinstance(secret_box_from_env(), LocalSecretBox)


def test_importing_the_module_loads_no_aws_client():
    code = (
        "import sys; import chalicelib.adapters.secretbox as m; "
        "m.secret_box_from_env({'INTEGRATION_KMS_KEY_ID': 'k'}); "
        "sys.exit(1 if 'botocore' in sys.modules else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], cwd=os.getcwd()).returncode == 0


# --- KMS failures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stub_client():
    return botocore.session.get_session().create_client(
        "kms", region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
    )


@pytest.fixture
def stubbed(stub_client):
    client = stub_client
    with Stubber(client) as stubber:
        yield KmsSecretBox("alias/ldd-integrations", client=client), stubber


@pytest.fixture
def sealed_by_kms(kms_keys) -> str:
    return KmsSecretBox(kms_keys(0)).seal(SECRET, CONTEXT)


@pytest.mark.parametrize(
    "code", ["ThrottlingException", "KMSInternalException", "DependencyTimeoutException", "KeyUnavailableException"]
)
def test_kms_throttling_or_outage_on_seal_is_unavailable(stubbed, code):
    box, stubber = stubbed
    stubber.add_client_error("generate_data_key", code)
    with pytest.raises(SecretBoxUnavailable) as raised:
        box.seal(SECRET, CONTEXT)
    assert SECRET.decode() not in str(raised.value)


def test_kms_throttling_on_open_is_unavailable(stubbed, sealed_by_kms):
    box, stubber = stubbed
    stubber.add_client_error("decrypt", "ThrottlingException")
    with pytest.raises(SecretBoxUnavailable):
        box.open(sealed_by_kms, CONTEXT)


def test_kms_server_error_is_unavailable(stubbed):
    box, stubber = stubbed
    stubber.add_client_error("generate_data_key", "SomethingNew", http_status_code=503)
    with pytest.raises(SecretBoxUnavailable):
        box.seal(SECRET, CONTEXT)


@pytest.mark.parametrize("code", ["IncorrectKeyException", "InvalidCiphertextException"])
def test_kms_refusing_the_ciphertext_cannot_open(stubbed, sealed_by_kms, code):
    box, stubber = stubbed
    stubber.add_client_error("decrypt", code)
    with pytest.raises(ValueError, match="^cannot open secret$"):
        box.open(sealed_by_kms, CONTEXT)


@pytest.mark.parametrize(
    "operation, code",
    [
        ("generate_data_key", "NotFoundException"),
        ("generate_data_key", "DisabledException"),
        ("generate_data_key", "AccessDeniedException"),
        ("decrypt", "AccessDeniedException"),
        ("decrypt", "KMSInvalidStateException"),
    ],
)
def test_kms_refusing_the_key_is_a_misconfiguration(stubbed, sealed_by_kms, operation, code):
    box, stubber = stubbed
    stubber.add_client_error(operation, code)
    with pytest.raises(SecretBoxMisconfigured, match="alias/ldd-integrations"):
        if operation == "decrypt":
            box.open(sealed_by_kms, CONTEXT)
        else:
            box.seal(SECRET, CONTEXT)


def test_kms_key_that_does_not_exist_is_a_misconfiguration(aws):
    with pytest.raises(SecretBoxMisconfigured):
        KmsSecretBox("alias/no-such-key").seal(SECRET, CONTEXT)


class _Unreachable:
    def __init__(self, error):
        self.error = error

    def generate_data_key(self, **params):
        raise self.error

    decrypt = generate_data_key


@pytest.mark.parametrize(
    "error",
    [EndpointConnectionError(endpoint_url="https://kms.eu-west-2.amazonaws.com/"), ReadTimeoutError(endpoint_url="x")],
)
def test_kms_unreachable_is_unavailable(error, sealed_by_kms):
    box = KmsSecretBox("alias/ldd-integrations", client=_Unreachable(error))
    with pytest.raises(SecretBoxUnavailable):
        box.seal(SECRET, CONTEXT)
    with pytest.raises(SecretBoxUnavailable):
        box.open(sealed_by_kms, CONTEXT)


def test_kms_box_sends_the_context_and_names_its_key(stubbed):
    box, stubber = stubbed
    data_key = os.urandom(32)
    stubber.add_response(
        "generate_data_key",
        {"CiphertextBlob": b"\x01" * 96, "Plaintext": data_key, "KeyId": "arn:aws:kms:eu-west-2:1:key/x"},
        {"KeyId": "alias/ldd-integrations", "KeySpec": "AES_256", "EncryptionContext": CONTEXT},
    )
    sealed = box.seal(SECRET, CONTEXT)
    stubber.add_response(
        "decrypt",
        {"Plaintext": data_key, "KeyId": "arn:aws:kms:eu-west-2:1:key/x"},
        {
            "CiphertextBlob": b"\x01" * 96,
            "EncryptionContext": CONTEXT,
            "KeyId": "alias/ldd-integrations",
            "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
        },
    )
    assert box.open(sealed, CONTEXT) == SECRET
    stubber.assert_no_pending_responses()
