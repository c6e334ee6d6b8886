"""`make repair-rollup [ORG=...] [TABLE=... REGION=...]`: recompute each organisation's roll-up
(the scorecard's headline figures, services/rollups.py) from its summaries and write it where it
differs; with ORG, that organisation only. The local store by default; with TABLE, a deployed
stage's table (AWS credentials for it). Run it once after upgrading a stage whose organisations
were made before roll-ups existed (their headline is computed from every summary until then),
and after changing the lock-in policy. A second run writes nothing.

    python -m tools.repair_rollup [ORG] [--table NAME] [--region REGION]"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.repair_rollup", description=__doc__.split("\n\n")[0])
    parser.add_argument("org", nargs="?", help="one organisation (default: every one)")
    parser.add_argument("--table", help="a deployed stage's DynamoDB table (default: the local store)")
    parser.add_argument("--region", help="the table's region (default AWS_REGION, else eu-west-2)")
    args = parser.parse_args(argv)
    from chalicelib.domain.errors import Conflict, NotFound, Unavailable

    store, where, close = open_store(args.table, args.region)
    try:
        from chalicelib.bootstrap import build

        rollups = build(store=store).rollups
        reports = [rollups.repair(args.org)] if args.org else rollups.repair_all()
    except (NotFound, Conflict, Unavailable) as e:
        print(f"error: {e.detail} ({where})", file=sys.stderr)
        return 1
    finally:
        close()
    for r in reports:
        print(
            f"{r.org_id}: {r.services} services; {r.written} roll-up items written, {r.deleted} deleted; moved: "
            + ", ".join(f"{n} {kind}" for kind, n in r.moved.items())
        )
    print(f"{len(reports)} organisations repaired in {where}")
    return 0


def open_store(table: str | None, region: str | None):
    """The deployed stage's table with --table (PynamoDB reads the name when its models load),
    else the local store's file: (store, where, close)."""
    if table:
        os.environ["TABLE_NAME"] = table
        if region:
            os.environ["AWS_REGION"] = region
        from chalicelib import config
        from chalicelib.adapters.dynamodb.store import DynamoStore

        return DynamoStore(), f"the table {table} ({config.region()})", lambda: None
    from chalicelib.adapters.sqlite.store import SqliteStore
    from devserver import identity
    from devserver.local_store import SQLITE_FILE

    path = identity.local_dir() / SQLITE_FILE
    store = SqliteStore(path)
    return store, str(path), store.close


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
