"""`make import-benchmarks FILE=path/to/set.csv` (or `python -m tools.import_benchmarks FILE`):
import one benchmark set from a CSV in the layout of docs/benchmarks.md section 2.

The whole file is checked first with benchmark_set_from_csv, the same checks the API makes: any
problem is printed with its line number and nothing is sent. A valid set is then sent as JSON to
`PUT /benchmarks/{set_id}`, so it goes through the same service layer (and audit record) as any
other import. One file holds one set (every row repeats the same set_id).

    python -m tools.import_benchmarks FILE [--api URL] [--token TOKEN]

Without --api the set goes to the running local server, http://127.0.0.1:$PORT (PORT defaults
to 8000), with a platform_admin token signed by the local development key (under LDD_LOCAL_DIR,
default .local, as for `make token`). For a deployed API give --api and --token (a platform
admin's ID token)."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from chalicelib.edge.http import MAX_BODY_BYTES
from chalicelib.domain.benchmarks.csv_reader import benchmark_set_from_csv
from chalicelib.domain.benchmarks.model import BenchmarkSet
from chalicelib.domain.benchmarks.shape import benchmark_set_to_dict
from chalicelib.domain.errors import Invalid
from devserver import identity
from devserver.token import platform_admin_token

PROG = "python -m tools.import_benchmarks"
PROGRESS_ABOVE = 1000  # rows; smaller files import without progress lines
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
_LINE_KEY = re.compile(r"line (\d+)(?:\.(.*))?")


class Failure(Exception):
    """A problem already worded for the person at the terminal; exit status 1."""


def read_rows(text: str, progress: TextIO | None) -> int:
    """Count the data rows (non-empty records below the header), reporting progress on `progress`
    for files of more than PROGRESS_ABOVE rows."""
    records = [row for row in csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
               if any(cell.strip() for cell in row)]
    total = max(len(records) - 1, 0)
    if progress is not None and total > PROGRESS_ABOVE:
        step = progress_step(total)
        for done in range(step, total, step):
            print(f"read {done:,} of {total:,} rows", file=progress)
        print(f"read {total:,} of {total:,} rows; checking them", file=progress)
    return total


def progress_step(total: int) -> int:
    """Report about ten times, in whole thousands."""
    return max(1000, round(total / 10, -3))


def line_order(key: str) -> tuple:
    """Sort "line 12.unit" after "line 3" and "line 3.unit"; anything else last, by name."""
    found = _LINE_KEY.fullmatch(key)
    return (0, int(found.group(1)), found.group(2) or "") if found else (1, 0, key)


def format_errors(errors: Mapping[str, Sequence[str]] | None) -> list[str]:
    return [f"  {key}: {message}" for key in sorted(errors or {}, key=line_order) for message in errors[key]]


def parse_file(path: Path, progress: TextIO | None) -> BenchmarkSet:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise Failure(f"error: {path} does not exist") from None
    except UnicodeDecodeError as e:
        raise Failure(f"error: {path} is not UTF-8 text ({e.reason} at byte {e.start}); save it as CSV UTF-8") from None
    except OSError as e:
        raise Failure(f"error: cannot read {path} ({e.strerror})") from None
    read_rows(text, progress)
    try:
        return benchmark_set_from_csv(text)
    except Invalid as invalid:
        lines = [f"error: {path}: {invalid.detail} Nothing was imported."] + format_errors(invalid.errors)
        raise Failure("\n".join(lines)) from None


def request_body(bset: BenchmarkSet) -> bytes:
    """The PUT body: the set as JSON without its set_id (the path carries it)."""
    data = benchmark_set_to_dict(bset)
    data.pop("set_id", None)
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    if len(body) > MAX_BODY_BYTES:
        raise Failure(f"error: the set is {len(body) // 1024:,} KB as JSON; the API takes at most "
                      f"{MAX_BODY_BYTES // 1024} KB in one request. Nothing was imported; split it into several sets.")
    return body


def local_token(api: str, env: Mapping[str, str]) -> str:
    """A platform_admin token for the local server at `api`, signed with the development key."""
    url = urllib.parse.urlsplit(api)
    if url.hostname not in LOCAL_HOSTS:
        raise Failure(f"error: {api} is not the local server; give a platform admin's token with --token")
    return platform_admin_token(url.port or (443 if url.scheme == "https" else 80), env)


def put_set(api: str, token: str, set_id: str, body: bytes, timeout: float = 60) -> int:
    """PUT the body; the HTTP status (201 created, 200 replaced), or Failure worded for the user."""
    url = f"{api.rstrip('/')}/benchmarks/{urllib.parse.quote(set_id, safe='')}"
    request = urllib.request.Request(url, data=body, method="PUT", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as e:
        raise Failure(http_problem(e.code, e.read())) from None
    except urllib.error.URLError as e:
        hint = "; start the local server with `make run`" if isinstance(e.reason, ConnectionRefusedError) else ""
        raise Failure(f"error: no answer from {url} ({e.reason}){hint}. Nothing was imported.") from None


def http_problem(status: int, raw: bytes) -> str:
    try:
        problem = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        problem = None
    if not isinstance(problem, dict):
        text = raw.decode("utf-8", "replace").strip()[:500]
        return f"error: the API answered {status}{': ' + text if text else ''}. Nothing was imported."
    lines = [f"error: the API answered {status}: {problem.get('detail') or problem.get('title') or 'no detail'}"
             " Nothing was imported."]
    errors = problem.get("errors")
    if isinstance(errors, dict):
        lines += format_errors({k: v if isinstance(v, list) else [str(v)] for k, v in errors.items()})
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG, description="Import one benchmark set from a CSV (docs/benchmarks.md, section 2).")
    p.add_argument("file", metavar="FILE", type=Path, help="the CSV file (UTF-8; a byte-order mark is fine)")
    p.add_argument("--api", help="the API's base URL (default http://127.0.0.1:$PORT, the local server)")
    p.add_argument("--token", help="a platform admin's bearer token (default: one made with the local development key)")
    return p


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None,
         out: TextIO | None = None, err: TextIO | None = None) -> int:
    env = os.environ if env is None else env
    out, err = out or sys.stdout, err or sys.stderr
    args = parser().parse_args(argv)
    api = args.api or identity.issuer_for(int(env.get("PORT") or identity.DEFAULT_PORT))
    try:
        bset = parse_file(args.file, err)
        body = request_body(bset)
        token = args.token or local_token(api, env)
        status = put_set(api, token, bset.set_id, body)
    except Failure as failure:
        print(failure, file=err)
        return 1
    outcome = "created" if status == 201 else "replaced"
    print(f"imported {bset.set_id}: {len(bset.kpis)} KPIs, {len(bset.peer_groups)} peer groups ({outcome})", file=out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
