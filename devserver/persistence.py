"""Local durability for the embedded moto DynamoDB, which keeps data in memory only.

After every successful write, and before its response goes out, the server saves every table's
items to one DynamoDB-JSON file (temporary file, fsync, rename), so an acknowledged write
survives Ctrl-C, SIGTERM and even `kill -9`. On start the items go back in through the DynamoDB
API. On AWS none of this runs: DynamoDB is the store."""

import json
import os
import tempfile
import threading
from base64 import b64encode
from datetime import datetime, timezone
from pathlib import Path

FILE_NAME = "dynamodb.json"
FORMAT = "ldd-tracker/local-dynamodb/1"
BATCH_SIZE = 25  # BatchWriteItem's limit


class CorruptSnapshot(RuntimeError):
    pass


class LocalTables:
    """Saves and restores the moto backend's tables for one account and region.

    `lock` serialises writes with their saves: the HTTP handler holds it while a write runs and
    is saved, so a snapshot never catches another request's write half-applied."""

    def __init__(self, directory: Path, account_id: str, region: str):
        self.directory = Path(directory)
        self.path = self.directory / FILE_NAME
        self.account_id = account_id
        self.region = region
        self.lock = threading.RLock()

    # saving ----------------------------------------------------------------------------------

    def save(self) -> int:
        """Write every table's items to the file atomically; returns how many items were saved."""
        with self.lock:
            tables = self._snapshot()
            document = {
                "format": FORMAT,
                "saved_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "tables": tables,
            }
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(prefix=f".{FILE_NAME}.", suffix=".tmp", dir=self.directory)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    # dumps, not dump: the C encoder only serves whole-string encoding.
                    f.write(json.dumps(document, separators=(",", ":"), default=_json_default))
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(temporary, self.path)
            except BaseException:
                _unlink_quietly(temporary)
                raise
            _fsync_directory(self.directory)
            return sum(len(items) for items in tables.values())

    def _snapshot(self) -> dict[str, list[dict]]:
        """Items in DynamoDB JSON, read from moto's in-process backend rather than through the API:
        the project forbids the Scan operation everywhere (a test fails on any Scan request), and
        Scan is the only API call that reads a whole table without knowing its keys."""
        from moto.dynamodb.models import dynamodb_backends

        backend = dynamodb_backends[self.account_id][self.region]
        tables = {}
        for name, table in list(backend.tables.items()):
            tables[name] = _table_items(table)
        return tables

    # restoring -------------------------------------------------------------------------------

    def restore(self, client) -> int:
        """Put the saved items back through `client` (a boto3 DynamoDB client); returns the count.

        Tables must exist already; items of a table that does not are skipped with a warning."""
        if not self.path.exists():
            return 0
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
            if document.get("format") != FORMAT:
                raise ValueError(f"unexpected format {document.get('format')!r}")
            tables = document["tables"]
        except (ValueError, KeyError, AttributeError) as e:
            raise CorruptSnapshot(
                f"{self.path} cannot be read ({e}). Move it aside to start with an empty store."
            ) from e
        existing = set(client.list_tables()["TableNames"])
        restored = 0
        for name, items in tables.items():
            if name not in existing:
                print(f"warning: {self.path} has {len(items)} items for table {name!r}, which does not exist; skipped")
                continue
            for start in range(0, len(items), BATCH_SIZE):
                request = {name: [{"PutRequest": {"Item": item}} for item in items[start : start + BATCH_SIZE]]}
                while request:
                    request = client.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
            restored += len(items)
        return restored

    def remove_stale_temporaries(self) -> None:
        """A crash between creating a temporary file and renaming it leaves one behind."""
        for leftover in self.directory.glob(f".{FILE_NAME}.*.tmp"):
            _unlink_quietly(leftover)


def _table_items(table) -> list[dict]:
    # Writes are held off by the lock, but a reader on another thread may still add an empty
    # bucket to moto's defaultdict while we iterate (a GetItem of a missing key does), and a
    # GET could in principle write (a security audit record): retry on that race.
    for _ in range(100):
        try:
            return [item.to_json()["Attributes"] for item in table.all_items()]
        except RuntimeError:  # "dictionary changed size during iteration"
            continue
    return [item.to_json()["Attributes"] for item in table.all_items()]


def _json_default(value):
    if isinstance(value, bytes):
        return b64encode(value).decode("ascii")
    raise TypeError(f"cannot save {type(value).__name__} as JSON")


def _fsync_directory(directory: Path) -> None:
    """Makes the rename itself durable (power loss); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _unlink_quietly(path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
