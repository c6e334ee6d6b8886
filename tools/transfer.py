"""`make export ORG=... FILE=...` and `make import FILE=...`: an organisation's records, ids, dates
and audit trail kept, moved between the local store (`make run`'s SQLite file) and a deployed
stage's DynamoDB table (TABLE=..., with AWS credentials for it), in either direction.

    python -m tools.transfer export ORG FILE [--table NAME] [--region REGION] [--moto-folder DIR]
    python -m tools.transfer import FILE [--table NAME] [--region REGION]

The file is JSON Lines: a header, one line per record (its keys and the record as plain data,
the same in every store), a line closing each partition, and a last line counting them. An
export is written to FILE.partial and renamed when complete; run again, it resumes after the
last partition it finished. An import reads the whole target first and writes nothing if the
target holds a newer copy of any record, or records the file does not have (services/transfer.py
says exactly); run again after an interruption, it writes only what is still missing. The
local server may be running: SQLite lets this process read and write beside it.

Integrations' signing secrets are sealed under the key of the environment they were made in (a
local key file, or KMS): after a move, rotate each integration's secret there.

`--moto-folder DIR` exports from a folder saved by the previous local store (its dynamodb.json,
read into an in-process moto), so that a council that ran the tracker before the SQLite store
carries its records over."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from tqdm import tqdm

FORMAT = "ldd-tracker/org-export/2"
PROG = "python -m tools.transfer"
SHOWN_REFUSALS = 10


class FileProblem(ValueError):
    """The file is not a complete export this tool can import; the message says why."""


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    from chalicelib.adapters.sqlite.database import CorruptStore
    from chalicelib.domain.errors import NotFound, StaleWrite, Unavailable

    where, close = "the store", lambda: None
    try:
        if getattr(args, "moto_folder", None):
            archive, where, close = _moto_folder(Path(args.moto_folder))
        else:
            archive, where, close = _archive(args.table, args.region, must_exist=args.command == "export")
        if args.command == "export":
            return export(archive, where, args.org, Path(args.file))
        org_id = import_(archive, where, Path(args.file))
        if org_id is None:
            return 1
        _repair_rollup(args.table, args.region, org_id)
        return 0
    except (CorruptStore, FileProblem, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
    except NotFound as e:
        print(f"error: {e} ({where})", file=sys.stderr)
    except StaleWrite:
        print(f"error: {where} changed while the import ran; run it again to carry on where it stopped", file=sys.stderr)
    except Unavailable as e:
        print(f"error: {e} Run it again to carry on where it stopped.", file=sys.stderr)
    finally:
        close()
    return 1


def export(archive, where: str, org_id: str, file: Path) -> int:
    from chalicelib.services.transfer import partitions_to_export, read_for_export

    partitions = partitions_to_export(archive, org_id)
    partial = file.with_name(file.name + ".partial")
    header = {"format": FORMAT, "org_id": org_id, "source": where}
    done, records = _resume(partial, header)
    with partial.open("a", encoding="utf-8") as out:
        if not done and not records:
            out.write(_line({**header, "started_at": _now_text()}))
        bar = tqdm(total=len(partitions), initial=len(done), unit="partition", desc=f"export {org_id}", file=sys.stderr)
        for pk in partitions:
            if pk in done:
                continue
            for entry in read_for_export(archive, pk, time.time()):
                out.write(_line({"pk": entry.pk, "sk": entry.sk, "data": entry.data, "expires_at": entry.expires_at, "derived": entry.derived}))
                records += 1
            out.write(_line({"partition_done": pk}))
            out.flush()
            bar.update(1)
        bar.close()
        out.write(_line({"end": {"records": records, "partitions": len(partitions)}}))
        out.flush()
        os.fsync(out.fileno())
    partial.replace(file)
    print(f"{org_id}: {records} records in {len(partitions)} partitions from {where} written to {file}")
    return 0


def import_(archive, where: str, file: Path) -> str | None:
    """The organisation imported, or None when the target refused it (and nothing was written)."""
    from chalicelib.services.transfer import apply_import, plan_import

    org_id, entries = read_file(file)
    plan = plan_import(archive, entries, org_id, time.time())
    if plan.refusals:
        print(f"error: {where} holds {len(plan.refusals)} records of {org_id} that {file} would overwrite or leave out; nothing imported:", file=sys.stderr)
        for refusal in plan.refusals[:SHOWN_REFUSALS]:
            print(f"  {refusal.entry.pk} / {refusal.entry.sk}: {_REASONS[refusal.outcome]}", file=sys.stderr)
        if len(plan.refusals) > SHOWN_REFUSALS:
            print(f"  and {len(plan.refusals) - SHOWN_REFUSALS} more", file=sys.stderr)
        return None
    with tqdm(total=len(plan.writes), unit="record", desc=f"import {org_id}", file=sys.stderr) as bar:
        apply_import(archive, plan, bar.update)
    print(f"{org_id}: {len(plan.writes)} records written to {where}, {plan.same} already there")
    for name in _integrations_to_rotate(entries, where):
        print(f"note: rotate the signing secret of the integration {name!r} (POST .../rotate-secret): it was sealed elsewhere")
    return org_id


def _repair_rollup(table: str | None, region: str | None, org_id: str) -> None:
    """The roll-up recomputed from what is there now: records the import skipped (the same there)
    and records it wrote both count (tools/repair_rollup.py)."""
    from chalicelib.bootstrap import build
    from tools.repair_rollup import open_store

    store, _, close = open_store(table, region)
    try:
        report = build(store=store).rollups.repair(org_id)
    finally:
        close()
    print(f"{org_id}: roll-up checked, {report.written + report.deleted} items corrected")


_REASONS = {
    "newer": "the copy there is newer than the file's",
    "different": "a record that never changes holds something else there",
    "only_in_target": "it is there and not in the file (work done there since the export?)",
}


def read_file(file: Path):
    """The organisation and its entries, every one decoded as the record its keys say, so that a
    damaged or edited file is refused before anything is written."""
    from chalicelib.adapters.dynamodb import keys
    from chalicelib.adapters.kinds import kind_of
    from chalicelib.domain.plain import from_plain
    from chalicelib.services.ports import Entry

    lines = _lines(file)
    header = next(lines, None)
    if not header or header.get("format") != FORMAT or not isinstance(header.get("org_id"), str):
        raise FileProblem(f"{file} is not a {FORMAT} file")
    org_id, entries, end = header["org_id"], [], None
    own = keys.org_pk(org_id)
    for number, line in lines:
        if "end" in line:
            end = line["end"]
        elif "pk" in line:
            entry = Entry(line["pk"], line["sk"], line["data"], line.get("expires_at"), bool(line.get("derived")))
            if not (entry.pk == own or entry.pk.startswith(own + "#") or entry.pk.startswith(keys.INTEGRATION_PREFIX)):
                raise FileProblem(f"{file}, line {number}: {entry.pk} is not {org_id}'s")
            try:
                kind = kind_of(entry.sk)
                if kind is not dict:
                    from_plain(kind, entry.data)
            except (ValueError, TypeError, KeyError) as e:
                raise FileProblem(f"{file}, line {number}: not a record this version reads ({e})") from None
            entries.append(entry)
    if end is None or end.get("records") != len(entries):
        raise FileProblem(f"{file} is incomplete (the export did not finish): run make export again, it resumes")
    return org_id, entries


def _lines(file: Path) -> Iterator:
    with file.open(encoding="utf-8") as lines:
        first = lines.readline()
        try:
            yield json.loads(first) if first.strip() else None
            for number, text in enumerate(lines, start=2):
                yield number, json.loads(text)
        except json.JSONDecodeError as e:
            raise FileProblem(f"{file} is damaged ({e})") from None


def _resume(partial: Path, header: dict) -> tuple[set[str], int]:
    """The partitions a previous run of the same export finished, and their records; the file is
    cut after the last of them (a partition half written is read again)."""
    if not partial.exists():
        return set(), 0
    done, records, pending, keep = set(), 0, 0, 0
    with partial.open("rb") as f:
        first = f.readline()
        try:
            started = json.loads(first)
        except json.JSONDecodeError:
            started = {}
        if any(started.get(k) != v for k, v in header.items()):
            partial.unlink()
            return set(), 0
        keep = f.tell()
        for raw in f:
            if not raw.endswith(b"\n"):
                break
            line = json.loads(raw)
            if "partition_done" in line:
                done.add(line["partition_done"])
                records += pending
                pending = 0
                keep = f.tell()
            else:
                pending += 1
    with partial.open("r+b") as f:
        f.truncate(keep)
    return done, records


def _archive(table: str | None, region: str | None, must_exist: bool):
    """The deployed stage's table with --table (PynamoDB reads the name when its models load),
    else the local store's file."""
    if table:
        os.environ["TABLE_NAME"] = table
        if region:
            os.environ["AWS_REGION"] = region
        from pynamodb.connection import Connection

        from chalicelib import config
        from chalicelib.adapters.dynamodb.archive import DynamoArchive

        return DynamoArchive(Connection(region=config.region())), f"the table {table} ({config.region()})", lambda: None
    from chalicelib.adapters.sqlite.archive import SqliteArchive
    from chalicelib.adapters.sqlite.database import Database
    from devserver import identity
    from devserver.local_store import SQLITE_FILE

    path = identity.local_dir() / SQLITE_FILE
    if must_exist and not path.exists():
        raise FileNotFoundError(f"{path} does not exist; `make run` makes it")
    database = Database(path)
    return SqliteArchive(database), str(path), database.close


def _moto_folder(folder: Path):
    """The previous local store's saved tables, restored into moto in this process (its items
    through BatchWriteItem, as the server restored them at start), read as the table."""
    from devserver.persistence import FILE_NAME, CorruptSnapshot, LocalTables
    from devserver.server import DEFAULT_ACCOUNT_ID

    saved = folder / FILE_NAME
    if not saved.exists():
        raise FileNotFoundError(f"{saved} does not exist")
    try:
        tables = list(json.loads(saved.read_text(encoding="utf-8"))["tables"])
    except (ValueError, KeyError, TypeError) as e:
        raise FileProblem(f"{saved} cannot be read ({e})") from None
    if "TABLE_NAME" not in os.environ and len(tables) == 1:
        os.environ["TABLE_NAME"] = tables[0]  # the stage the server ran as
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"), ("MOTO_ACCOUNT_ID", DEFAULT_ACCOUNT_ID)):
        os.environ[name] = value
    os.environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)  # moto in this process, not a server
    import boto3
    from moto import mock_aws
    from pynamodb.connection import Connection

    from chalicelib import config
    from chalicelib.adapters.dynamodb.archive import DynamoArchive
    from chalicelib.adapters.dynamodb.tables import create_tables

    mock = mock_aws()
    mock.start()
    try:
        create_tables()
        LocalTables(folder, DEFAULT_ACCOUNT_ID, config.region()).restore(boto3.client("dynamodb", region_name=config.region()))
    except CorruptSnapshot as e:
        mock.stop()
        raise FileProblem(str(e)) from e
    return DynamoArchive(Connection(region=config.region())), f"the folder {folder} (saved by the previous local store)", mock.stop


def _integrations_to_rotate(entries, where: str) -> list[str]:
    from chalicelib.adapters.dynamodb import keys
    from chalicelib.adapters.secretbox import KMS_PREFIX, LOCAL_PREFIX

    mine = KMS_PREFIX if where.startswith("the table ") else LOCAL_PREFIX
    return [
        e.data["name"]
        for e in entries
        if e.sk.startswith(keys.INTEGRATION_PREFIX) and any(not s["sealed"].startswith(mine) for s in e.data["secrets"])
    ]


def _line(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n"


def _now_text() -> str:
    from chalicelib.domain.clock import SystemClock, iso_instant

    return iso_instant(SystemClock().now())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Move an organisation between the local store and a deployed stage's table.")
    commands = parser.add_subparsers(dest="command", required=True)
    out = commands.add_parser("export", help="an organisation's records into a file")
    out.add_argument("org")
    out.add_argument("file")
    into = commands.add_parser("import", help="a file's records into the store")
    into.add_argument("file")
    for command in (out, into):
        command.add_argument("--table", help="a deployed stage's DynamoDB table (default: the local store)")
        command.add_argument("--region", help="the table's AWS region (default: AWS_REGION, else eu-west-2)")
    out.add_argument("--moto-folder", help="a folder saved by the previous local store (LDD_LOCAL_STORE=moto), instead")
    return parser


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
