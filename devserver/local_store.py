"""The store behind `make run`: an SQLite file under the local folder (the default), or, with
LDD_LOCAL_STORE=moto, the embedded moto DynamoDB saved whole after every write (the previous
default, kept to compare the two with `make bench` and to read a folder saved by it).

SQLite makes each write durable in its own commit (WAL, fsync at commit), so a write costs what
it touches; moto's transactions copy the whole table and its save rewrites every item, so a
write there costs the size of the data."""

import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SQLITE_FILE = "tracker.sqlite3"
KINDS = ("sqlite", "moto")


class StoreUnusable(RuntimeError):
    """The local store cannot be opened; the message says why and what to do."""


class Committed:
    """For the HTTP handler, in place of devserver.persistence.LocalTables: the SQLite store
    commits each write durably itself, so there is nothing to save after it. `lock` still
    serialises writes at the HTTP level, so that stopping waits for a write already running."""

    def __init__(self, path: Path):
        self.path = path
        self.lock = threading.RLock()

    def save(self) -> int:
        return 0


@dataclass
class LocalStore:
    store: object  # the Store the app's use cases are built with
    persistence: object  # Committed or LocalTables: what the handler saves after a write
    restored: int  # records found at start
    seeded: bool
    close: Callable[[], None]


def kind() -> str:
    chosen = (os.environ.get("LDD_LOCAL_STORE") or "sqlite").strip().lower()
    if chosen not in KINDS:
        raise StoreUnusable(f"LDD_LOCAL_STORE must be one of {', '.join(KINDS)}, not {chosen!r}")
    return chosen


def open_sqlite(local_dir: Path) -> LocalStore:
    from chalicelib.adapters.sqlite.database import CorruptStore
    from chalicelib.adapters.sqlite.store import SqliteStore
    from devserver.demo import seed_demo

    path = local_dir / SQLITE_FILE
    seeded = False
    try:
        if not path.exists():
            _point_at_the_previous_store(local_dir)
            seeded = _seed_new_file(path)
        store = SqliteStore(path)
        restored = 0 if seeded else store.db.count()
        # A folder that lost the demo (or a file made elsewhere) gets it again, in place.
        seeded = seed_demo(store=store) or seeded
        _build_missing_rollups(store)
    except CorruptStore as e:
        raise StoreUnusable(str(e)) from e
    return LocalStore(store, Committed(path), restored, seeded, store.close)


def _build_missing_rollups(store) -> None:
    """Organisations kept by an earlier version have no roll-up (their scorecard is computed
    from every summary until then): build theirs, as `make repair-rollup` does on a stage."""
    from chalicelib.bootstrap import build

    for report in build(store=store).rollups.repair_all(only_unbuilt=True):
        print(f"Built the roll-up of {report.org_id} ({report.services} services, {report.moved['snapshots']} snapshots moved)")


def _point_at_the_previous_store(local_dir: Path) -> None:
    """A folder the previous local store saved keeps its records where they were; say how to
    carry them over rather than let the new, empty store look as if they were lost."""
    from devserver.persistence import FILE_NAME

    if (local_dir / FILE_NAME).exists():
        print(
            f"note: {local_dir / FILE_NAME} holds the records of the previous local store, which this one does not read.\n"
            f"  To carry an organisation over: make export ORG=<org_id> FILE=org.jsonl MOTO_FOLDER={local_dir} && make import FILE=org.jsonl\n"
            "  (or keep using it: LDD_LOCAL_STORE=moto make run)",
            file=sys.stderr,
        )


def _seed_new_file(path: Path) -> bool:
    """Seed the demo into a temporary file without an fsync per write, sync it once and rename
    it into place: a crash while seeding leaves no half-seeded demo behind (the next start seeds
    again), and the first start takes a second, not one fsync per demo write."""
    from chalicelib.adapters.sqlite.store import SqliteStore
    from devserver.demo import seed_demo

    temporary = path.with_name(f".{path.name}.seeding")
    for leftover in path.parent.glob(f".{path.name}.seeding*"):  # a crash while seeding
        leftover.unlink()
    store = SqliteStore(temporary, durable=False)
    try:
        seeded = seed_demo(store=store)
    finally:
        store.close()  # the last connection to close folds the WAL back into the file
    with open(temporary, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(temporary, path)
    _fsync_directory(path.parent)
    return seeded


def open_moto(local_dir: Path, endpoint: str) -> LocalStore:
    import boto3

    from chalicelib import config as settings
    from chalicelib.adapters.dynamodb.store import DynamoStore
    from chalicelib.adapters.dynamodb.tables import create_tables
    from devserver.demo import seed_demo
    from devserver.persistence import CorruptSnapshot, LocalTables

    create_tables()
    tables = LocalTables(local_dir, os.environ["MOTO_ACCOUNT_ID"], settings.region())
    tables.directory.mkdir(parents=True, exist_ok=True)
    tables.remove_stale_temporaries()
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name=settings.region())
    try:
        restored = tables.restore(client)
    except CorruptSnapshot as e:
        raise StoreUnusable(str(e)) from e
    store = DynamoStore()
    seeded = seed_demo(store=store)
    if seeded or not tables.path.exists():
        # One save after seeding: a crash while seeding leaves no half-seeded demo behind, and
        # the next start seeds again from scratch.
        tables.save()
    return LocalStore(store, tables, restored, seeded, lambda: None)


def _fsync_directory(directory: Path) -> None:
    """Makes the rename itself durable (power loss)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
