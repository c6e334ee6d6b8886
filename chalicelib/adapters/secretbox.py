"""Sealing small secrets (webhook signing secrets) for storage in the table, under a key that
reading the table does not give.

- `KmsSecretBox` (deployed): envelope encryption. Each seal asks KMS for a fresh AES-256 data key
  (GenerateDataKey), encrypts locally with AES-GCM, and stores the KMS-encrypted data key beside
  the ciphertext; opening asks KMS to decrypt that data key (Decrypt, naming the configured key,
  so a sealed value planted under some other KMS key is refused).
- `LocalSecretBox` (`make run` only): AES-GCM with a 256-bit key kept in a file. moto's KMS keys
  do not survive a restart of the local server, its DynamoDB items do.

Both take an encryption context, a `dict[str, str]` naming the record the secret belongs to
(e.g. `{"org": ..., "integration": ...}`). The same context must be given to `open`; it is the
KMS encryption context and, in canonical JSON, the AES-GCM associated data, so a sealed value
copied to another record does not open there.

Sealed values are opaque ASCII (`kms1:...` or `local1:...`, base64url parts joined by `.`).

Errors, for the HTTP edge to map:
- `ValueError("cannot open secret")`: tampered or truncated text, the wrong context, or a value
  sealed by another box or key. Says nothing about which.
- `SecretBoxUnavailable` -> 503: KMS throttled, failing or unreachable. Not the caller's fault.
- `SecretBoxMisconfigured` -> 500: no key configured, the local key file on a deployed function,
  or KMS refusing the key itself (not found, disabled, access denied).
Messages are safe to return and log: they never contain plaintexts, data keys or key material.
Nothing here logs.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import pathlib
import threading
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from chalicelib import config
from chalicelib.domain.errors import Misconfigured, Unavailable

KMS_PREFIX = "kms1:"
LOCAL_PREFIX = "local1:"
NONCE_BYTES = 12
KEY_BYTES = 32
MAX_SEALED_CHARS = 16_384
MAX_KMS_CIPHERTEXT_BYTES = 6144  # KMS's own limit on CiphertextBlob

KMS_CONNECT_TIMEOUT_SECONDS = 3
KMS_READ_TIMEOUT_SECONDS = 5
KMS_MAX_ATTEMPTS = 3

# KMS error codes by meaning. Anything else is re-raised as it is.
_CANNOT_OPEN_CODES = frozenset({"InvalidCiphertextException", "IncorrectKeyException"})
_UNAVAILABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "KMSInternalException",
        "KeyUnavailableException",
        "DependencyTimeoutException",
        "InternalFailure",
        "ServiceUnavailable",
        "RequestTimeout",
    }
)
_MISCONFIGURED_CODES = frozenset(
    {
        "NotFoundException",
        "DisabledException",
        "KMSInvalidStateException",
        "InvalidKeyUsageException",
        "AccessDeniedException",
        "AccessDenied",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredTokenException",
        "ValidationException",
    }
)


class SecretBoxUnavailable(Unavailable):
    """The key service is throttled, failing or unreachable (-> 503). The message is safe."""


class SecretBoxMisconfigured(Misconfigured):
    """The deployment's key set-up is wrong (-> 500). The message is safe."""


def _cannot_open() -> ValueError:
    return ValueError("cannot open secret")


def _canonical_context(context: Mapping[str, str]) -> bytes:
    if not isinstance(context, Mapping):
        raise TypeError("context must be a dict of str to str")
    if not context:
        raise ValueError("context must name the record the secret belongs to")
    for key, value in context.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError("context must be a dict of str to str")
    return json.dumps(dict(context), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _check_plaintext(plaintext: bytes) -> None:
    if not isinstance(plaintext, (bytes, bytearray, memoryview)):
        raise TypeError("plaintext must be bytes")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    """Strict base64url without padding: a changed character always changes the bytes."""
    if not text:
        raise _cannot_open()
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise _cannot_open() from None
    if _b64(data) != text:
        raise _cannot_open()
    return data


def _split(sealed: str, prefix: str, parts: int) -> list[bytes]:
    if not isinstance(sealed, str) or len(sealed) > MAX_SEALED_CHARS or not sealed.startswith(prefix):
        raise _cannot_open()
    fields = sealed[len(prefix) :].split(".")
    if len(fields) != parts:
        raise _cannot_open()
    return [_unb64(field) for field in fields]


def _aes_open(key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
    if len(nonce) != NONCE_BYTES:
        raise _cannot_open()
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, aad)
    except InvalidTag:
        raise _cannot_open() from None


class KmsSecretBox:
    """Envelope encryption: KMS GenerateDataKey (AES_256) per secret, AES-GCM locally with the data
    key, the encrypted data key stored beside the ciphertext; decrypt with KMS Decrypt. Encryption
    context binds each secret to its record.

    Sealed form: `kms1:<encrypted data key>.<nonce>.<ciphertext and tag>` (base64url)."""

    def __init__(self, key_id: str, client=None):
        if not key_id:
            raise SecretBoxMisconfigured("INTEGRATION_KMS_KEY_ID is not set")
        self.key_id = key_id
        self._client = client

    def __repr__(self) -> str:
        return f"KmsSecretBox({self.key_id!r})"

    @property
    def client(self):
        """A botocore KMS client, made on first use (not at import, nor in __init__)."""
        if self._client is None:
            self._client = _kms_client(config.region())
        return self._client

    def seal(self, plaintext: bytes, context: dict[str, str]) -> str:
        _check_plaintext(plaintext)
        aad = _canonical_context(context)
        response = self._call(
            "generate_data_key", KeyId=self.key_id, KeySpec="AES_256", EncryptionContext=dict(context)
        )
        data_key, encrypted_key = response["Plaintext"], response["CiphertextBlob"]
        if len(data_key) != KEY_BYTES:
            raise SecretBoxMisconfigured("KMS returned a data key of the wrong size")
        nonce = os.urandom(NONCE_BYTES)
        ciphertext = AESGCM(data_key).encrypt(nonce, bytes(plaintext), aad)
        del data_key, response
        return KMS_PREFIX + ".".join((_b64(encrypted_key), _b64(nonce), _b64(ciphertext)))

    def open(self, sealed: str, context: dict[str, str]) -> bytes:
        aad = _canonical_context(context)
        encrypted_key, nonce, ciphertext = _split(sealed, KMS_PREFIX, 3)
        if len(encrypted_key) > MAX_KMS_CIPHERTEXT_BYTES or len(nonce) != NONCE_BYTES:
            raise _cannot_open()  # before spending a KMS call on it
        response = self._call(
            "decrypt",
            CiphertextBlob=encrypted_key,
            EncryptionContext=dict(context),
            KeyId=self.key_id,
            EncryptionAlgorithm="SYMMETRIC_DEFAULT",
        )
        data_key = response["Plaintext"]
        del response
        if len(data_key) != KEY_BYTES:
            raise _cannot_open()
        return _aes_open(data_key, nonce, ciphertext, aad)

    def _call(self, operation: str, **params):
        """One KMS call, its failures mapped to this module's errors. Neither parameters nor
        responses go into messages: they hold data keys."""
        from botocore import exceptions as bce

        try:
            return getattr(self.client, operation)(**params)
        except bce.ClientError as e:
            error = e.response.get("Error", {})
            code = error.get("Code", "")
            status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
            if operation == "decrypt" and code in _CANNOT_OPEN_CODES:
                raise _cannot_open() from None
            if code in _UNAVAILABLE_CODES or status >= 500:
                raise SecretBoxUnavailable(f"KMS is unavailable ({code or status}); try again later") from e
            if code in _MISCONFIGURED_CODES:
                raise SecretBoxMisconfigured(f"KMS refused the integration key {self.key_id!r} ({code})") from e
            raise
        except (bce.ConnectionError, bce.HTTPClientError) as e:
            raise SecretBoxUnavailable("KMS could not be reached; try again later") from e
        except (bce.NoCredentialsError, bce.NoRegionError, bce.PartialCredentialsError) as e:
            raise SecretBoxMisconfigured(f"no AWS credentials or region for KMS ({type(e).__name__})") from e
        except bce.ParamValidationError as e:
            raise SecretBoxMisconfigured(f"KMS rejected the request parameters for key {self.key_id!r}") from e


_clients: dict[str, object] = {}
_clients_lock = threading.Lock()


def _kms_client(region: str):
    """One botocore KMS client per region for the process (clients are thread-safe and slow to
    make), so a box made per request costs nothing."""
    with _clients_lock:
        client = _clients.get(region)
        if client is None:
            import botocore.session
            from botocore.config import Config

            client = _clients[region] = botocore.session.get_session().create_client(
                "kms",
                region_name=region,
                config=Config(
                    connect_timeout=KMS_CONNECT_TIMEOUT_SECONDS,
                    read_timeout=KMS_READ_TIMEOUT_SECONDS,
                    retries={"mode": "standard", "max_attempts": KMS_MAX_ATTEMPTS},
                ),
            )
        return client


class LocalSecretBox:
    """AES-GCM with a 256-bit key kept in a file (created 0600 on first use). For the local server
    only.

    The file holds the key in base64 on one line. Sealed form: `local1:<nonce>.<ciphertext and
    tag>` (base64url)."""

    def __init__(self, key_file: pathlib.Path):
        self.key_file = pathlib.Path(key_file)
        self._key: bytes | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"LocalSecretBox({str(self.key_file)!r})"

    def seal(self, plaintext: bytes, context: dict[str, str]) -> str:
        _check_plaintext(plaintext)
        aad = _canonical_context(context)
        nonce = os.urandom(NONCE_BYTES)
        ciphertext = AESGCM(self._load_key()).encrypt(nonce, bytes(plaintext), aad)
        return LOCAL_PREFIX + ".".join((_b64(nonce), _b64(ciphertext)))

    def open(self, sealed: str, context: dict[str, str]) -> bytes:
        aad = _canonical_context(context)
        nonce, ciphertext = _split(sealed, LOCAL_PREFIX, 2)
        return _aes_open(self._load_key(), nonce, ciphertext, aad)

    def _load_key(self) -> bytes:
        if self._key is None:
            with self._lock:
                if self._key is None:
                    self._key = self._read_key() if self.key_file.exists() else self._create_key()
        return self._key

    def _create_key(self) -> bytes:
        key = AESGCM.generate_key(bit_length=256)
        self.key_file.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return self._read_key()  # another process made it first: use theirs
        except OSError as e:
            raise SecretBoxMisconfigured(
                f"cannot create the local secret key file {self.key_file}: {e.strerror}"
            ) from None
        try:
            try:
                os.fchmod(fd, 0o600)  # whatever the umask
                os.write(fd, base64.b64encode(key) + b"\n")
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as e:
            self.key_file.unlink(missing_ok=True)  # no half-written key for the next start
            raise SecretBoxMisconfigured(
                f"cannot write the local secret key file {self.key_file}: {e.strerror}"
            ) from None
        return key

    def _read_key(self) -> bytes:
        try:
            text = self.key_file.read_bytes().strip()
        except OSError as e:
            raise SecretBoxMisconfigured(
                f"cannot read the local secret key file {self.key_file}: {e.strerror}"
            ) from None
        try:
            key = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != KEY_BYTES:
            raise SecretBoxMisconfigured(
                f"the local secret key file {self.key_file} does not hold a 256-bit key in base64"
            )
        return key


def secret_box_from_env(environ: Mapping[str, str] | None = None):
    """The box this process should use:
    - INTEGRATION_KMS_KEY_ID set -> `KmsSecretBox` (its client is made on first use);
    - else LDD_LOCAL_SECRET_KEY_FILE set -> `LocalSecretBox`, except on a deployed function
      (AWS_LAMBDA_FUNCTION_NAME set), which must use KMS;
    - else `SecretBoxMisconfigured`."""
    env = os.environ if environ is None else environ
    key_id = (env.get("INTEGRATION_KMS_KEY_ID") or "").strip()
    if key_id:
        return KmsSecretBox(key_id)
    key_file = (env.get("LDD_LOCAL_SECRET_KEY_FILE") or "").strip()
    if key_file:
        if env.get("AWS_LAMBDA_FUNCTION_NAME"):
            raise SecretBoxMisconfigured(
                "LDD_LOCAL_SECRET_KEY_FILE is for the local server only; "
                "a deployed function must set INTEGRATION_KMS_KEY_ID"
            )
        return LocalSecretBox(pathlib.Path(key_file))
    raise SecretBoxMisconfigured("INTEGRATION_KMS_KEY_ID is not set")
