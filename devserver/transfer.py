"""`make export ORG=... FILE=...` and `make import FILE=...`: an organisation's records moved
between local folders (LDD_LOCAL_DIR) as one JSON file, row for row as the SQLite store keeps
them. The server may be running: SQLite lets this process read beside it, and an import is one
transaction, which the server's next read sees."""

import json
import sys
from pathlib import Path

from devserver import identity
from devserver.local_store import SQLITE_FILE

FORMAT = "ldd-tracker/local-export/1"
USAGE = "usage: python -m devserver.transfer export ORG FILE | import FILE"


def export(org_id: str, file: Path, local_dir: Path) -> int:
    from chalicelib.adapters.sqlite.store import SqliteStore

    path = local_dir / SQLITE_FILE
    if not path.exists():
        print(f"error: {path} does not exist; `make run` makes it", file=sys.stderr)
        return 1
    store = SqliteStore(path)
    try:
        if store.get_org(org_id) is None:
            print(f"error: no organisation {org_id!r} in {path}", file=sys.stderr)
            return 1
        rows = store.export_org(org_id)
    finally:
        store.close()
    file.write_text(json.dumps({"format": FORMAT, "org_id": org_id, "rows": rows}, ensure_ascii=False), encoding="utf-8")
    print(f"{org_id}: {len(rows)} records written to {file}")
    return 0


def import_(file: Path, local_dir: Path) -> int:
    from chalicelib.adapters.sqlite.store import SqliteStore
    from chalicelib.domain.errors import AlreadyExists

    try:
        document = json.loads(file.read_text(encoding="utf-8"))
        if document.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} file")
        org_id, rows = document["org_id"], document["rows"]
    except (OSError, ValueError, KeyError, AttributeError) as e:
        print(f"error: {file} cannot be imported ({e})", file=sys.stderr)
        return 1
    store = SqliteStore(local_dir / SQLITE_FILE)
    try:
        store.import_rows(rows)
    except AlreadyExists:
        print(f"error: some of {file}'s records ({org_id}) are in {store.db.path} already; nothing imported", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"{org_id}: {len(rows)} records imported into {local_dir / SQLITE_FILE}")
    return 0


def main(argv: list[str]) -> int:
    from chalicelib.adapters.sqlite.database import CorruptStore

    local_dir = identity.local_dir()
    try:
        if len(argv) == 3 and argv[0] == "export" and argv[1] and argv[2]:
            return export(argv[1], Path(argv[2]), local_dir)
        if len(argv) == 2 and argv[0] == "import" and argv[1]:
            return import_(Path(argv[1]), local_dir)
    except CorruptStore as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
