"""The SQLite file behind the embedded store: one table of rows keyed (pk, sk) exactly as the
DynamoDB items are (adapters/dynamodb/keys.py), so prefixes, ranges and ordering behave alike,
and one write transaction per Store write. Standard library only.

SQLite compares TEXT with memcmp over UTF-8 bytes (the BINARY collation), which is how DynamoDB
orders string keys, so a Query's `begins_with`, `between` and direction become plain SQL ranges."""

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from chalicelib.domain.errors import AlreadyExists, Contended, Duplicate, NotFound, StaleWrite

# Marks the file as this project's ("LDDT"), so another program's SQLite file is refused at start
# instead of being written into.
APPLICATION_ID = 0x4C444454
SCHEMA_VERSION = 2
# Version 2: summaries carry an etag and, unless retired, the summaries' index keys (gsi1); the
# audit trail is in its own partition.
# A version 1 file is upgraded in place when the store opens it (SqliteStore._upgrade).
UPGRADABLE = {1}

SCHEMA = """
CREATE TABLE items (
    pk TEXT NOT NULL,
    sk TEXT NOT NULL,
    gsi1pk TEXT,          -- the registry of organisations and the services list, as gsi1
    gsi1sk TEXT,
    etag TEXT,            -- what conditional writes compare, as the DynamoDB items' etag
    expires_at REAL,      -- claims and deliveries (seconds since the epoch), as DynamoDB's TTL
    data TEXT NOT NULL,   -- the record as plain data (domain/plain.py), JSON
    PRIMARY KEY (pk, sk)
) WITHOUT ROWID;
CREATE INDEX items_gsi1 ON items (gsi1pk, gsi1sk) WHERE gsi1pk IS NOT NULL;
CREATE INDEX items_expiry ON items (expires_at) WHERE expires_at IS NOT NULL;
"""


class CorruptStore(RuntimeError):
    """The file is not a readable store of this project (torn, truncated, another program's)."""


def open_database(path: Path, durable: bool = True) -> sqlite3.Connection:
    """Open (creating when missing) and check the file; raises CorruptStore with what to do.
    `durable` False: no fsync at commit, for a file that is synced as a whole before it is used
    (the demo, seeded into a new file that is then renamed into place)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # Autocommit mode (isolation_level None): transactions are begun and ended explicitly
        # below, never implicitly by the module.
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA busy_timeout = 5000")  # another process (an export) holding the file
        _check(db, path)
        # WAL: a commit appends to the log instead of rewriting pages, so a write costs what it
        # touches; readers never block the writer. synchronous=FULL fsyncs the log at every
        # commit: an acknowledged write survives kill -9 (NORMAL would too) and also a power cut
        # (NORMAL could lose the last commits), as the whole-file save it replaces did.
        db.execute("PRAGMA journal_mode = WAL")
        db.execute(f"PRAGMA synchronous = {'FULL' if durable else 'OFF'}")
    except sqlite3.DatabaseError as e:
        raise CorruptStore(f"{path} cannot be read as the local store ({e}). Move it aside to start with an empty store.") from e
    return db


def _check(db: sqlite3.Connection, path: Path) -> None:
    application_id = db.execute("PRAGMA application_id").fetchone()[0]
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not tables and application_id == 0:  # a new, empty file
        db.executescript(f"BEGIN IMMEDIATE; {SCHEMA} PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
        return
    if application_id != APPLICATION_ID:
        raise CorruptStore(f"{path} is an SQLite file of another program. Move it aside to start with an empty store.")
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version != SCHEMA_VERSION and version not in UPGRADABLE:
        raise CorruptStore(f"{path} has schema version {version}; this version of the tracker reads {SCHEMA_VERSION}.")
    # A page-level check (not the full integrity_check, whose index cross-checks cost seconds
    # at council size): catches a truncated or overwritten file before the server says it is up.
    problems = [row[0] for row in db.execute("PRAGMA quick_check")]
    if problems != ["ok"]:
        raise CorruptStore(
            f"{path} cannot be read as the local store (damaged: {'; '.join(problems[:3])}). Move it aside to start with an empty store."
        )


class Database:
    """One connection, used under one lock: every Store call is atomic with respect to the
    others in this process, and SQLite's own file locking (BEGIN IMMEDIATE) guards against
    another process."""

    def __init__(self, path: Path, durable: bool = True):
        self.path = Path(path)
        self._db = open_database(self.path, durable)
        self._lock = threading.RLock()
        self.version = self._db.execute("PRAGMA user_version").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # reads -------------------------------------------------------------------------------------

    def get(self, pk: str, sk: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT data FROM items WHERE pk = ? AND sk = ?", (pk, sk)).fetchone()
        return row[0] if row else None

    def count(self) -> int:
        with self._lock:
            return self._db.execute("SELECT count(*) FROM items").fetchone()[0]

    def rows(self, sql: str, params: tuple) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # writes ------------------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator["Transaction"]:
        """One SQLite write transaction: committed when the block ends, rolled back on any error."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield Transaction(self._db)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")


class Transaction:
    """The operations a Store write is made of, each with the domain error its failed condition
    means (as adapters/dynamodb/transactions.py names them)."""

    def __init__(self, db: sqlite3.Connection):
        self._db = db

    def exists(self, pk: str, sk: str) -> bool:
        return self._db.execute("SELECT 1 FROM items WHERE pk = ? AND sk = ?", (pk, sk)).fetchone() is not None

    def get(self, pk: str, sk: str) -> str | None:
        row = self._db.execute("SELECT data FROM items WHERE pk = ? AND sk = ?", (pk, sk)).fetchone()
        return row[0] if row else None

    def etag(self, pk: str, sk: str) -> str | None:
        row = self._db.execute("SELECT etag FROM items WHERE pk = ? AND sk = ?", (pk, sk)).fetchone()
        return row[0] if row else None

    def insert(self, row: dict[str, Any], on_fail: type = AlreadyExists) -> None:
        """Put, on condition that nothing is there yet."""
        try:
            self._db.execute(_INSERT.format(verb="INSERT"), _values(row))
        except sqlite3.IntegrityError:
            raise on_fail(_DETAIL.get(on_fail, "It already exists.")) from None

    def put(self, row: dict[str, Any]) -> None:
        """Put, whatever is there."""
        self._db.execute(_INSERT.format(verb="INSERT OR REPLACE"), _values(row))

    def replace(self, row: dict[str, Any], etag: str, on_fail: type = StaleWrite) -> None:
        """Put, on condition that the stored etag is `etag`."""
        done = self._db.execute(
            "UPDATE items SET gsi1pk = ?, gsi1sk = ?, etag = ?, expires_at = ?, data = ? WHERE pk = ? AND sk = ? AND etag = ?",
            (*_values(row)[2:], row["pk"], row["sk"], etag),
        )
        if done.rowcount != 1:
            raise on_fail(_DETAIL.get(on_fail, "It changed since it was read."))

    def update_data(self, pk: str, sk: str, data: str) -> None:
        self._db.execute("UPDATE items SET data = ? WHERE pk = ? AND sk = ?", (data, pk, sk))

    def delete(self, pk: str, sk: str, etag: str | None, on_fail: type = StaleWrite) -> None:
        """Delete, on condition that the item is there (with `etag`, when given)."""
        if etag is None:
            done = self._db.execute("DELETE FROM items WHERE pk = ? AND sk = ?", (pk, sk))
        else:
            done = self._db.execute("DELETE FROM items WHERE pk = ? AND sk = ? AND etag = ?", (pk, sk, etag))
        if done.rowcount != 1:
            raise on_fail(_DETAIL.get(on_fail, "It changed since it was read."))

    def discard(self, pk: str, sk: str) -> None:
        """Delete if there, as DynamoDB's unconditional delete does."""
        self._db.execute("DELETE FROM items WHERE pk = ? AND sk = ?", (pk, sk))

    def execute(self, sql: str, params: tuple):
        return self._db.execute(sql, params)

    def set_version(self, version: int) -> None:
        self._db.execute(f"PRAGMA user_version = {int(version)}")

    def purge_expired(self, now: float) -> None:
        """What DynamoDB's TTL does in the background; reads never rely on it having run."""
        self._db.execute("DELETE FROM items WHERE expires_at IS NOT NULL AND expires_at < ?", (now,))


_INSERT = "{verb} INTO items (pk, sk, gsi1pk, gsi1sk, etag, expires_at, data) VALUES (?, ?, ?, ?, ?, ?, ?)"
COLUMNS = ("pk", "sk", "gsi1pk", "gsi1sk", "etag", "expires_at", "data")  # as SCHEMA declares them
# The same words as the DynamoDB adapter's, so that a client sees one API whichever store answers.
_DETAIL = {
    AlreadyExists: "It already exists.",
    Contended: "Another request changed the same records.",
    StaleWrite: "It changed since it was read.",
    NotFound: "The record it belongs to does not exist.",
    Duplicate: "This delivery was already processed.",
}


def _values(row: dict[str, Any]) -> tuple:
    return tuple(row.get(column) for column in COLUMNS)
