"""HTTP as both edges handle it: identifiers in paths, the body limit, the headers every response
carries, and CSV exports for committee papers."""

import csv
import io

from chalice import Response

from chalicelib import config
from chalicelib.domain import text
from chalicelib.domain.errors import Invalid, NotFound
from chalicelib.schemas.fields import COMPONENT_SLUG, SLUG, ULID
from chalicelib.schemas.responses import ScorecardRow

MAX_BODY_BYTES = 256 * 1024
HSTS_MAX_AGE_SECONDS = 365 * 24 * 3600


class BodyTooLarge(Exception):
    """Larger than MAX_BODY_BYTES: 413."""


# What a well-formed identifier in a path looks like. Anything else names nothing (404), except
# where the request chooses the identifier (PUT of an organisation or component): then it is 422.
PATH_PATTERNS = {
    "org_id": SLUG,
    "service_id": ULID,
    "assessment_id": ULID,
    "component_id": COMPONENT_SLUG,
    "set_id": SLUG,  # a benchmark set (PUT /benchmarks/{set_id} chooses it)
}


def check_path(params: dict, chosen: str | None = None) -> None:
    for name, value in params.items():
        pattern = PATH_PATTERNS.get(name)
        if pattern is None or pattern.match(value):
            continue
        if name == chosen:
            raise Invalid(f"{name} is not a valid identifier.", {name: [f"must match {pattern.pattern}"]})
        raise NotFound(f"No resource has the {name} {value!r}.")


def csv_response(rows: list[dict], columns: list[str], filename: str) -> Response:
    """UTF-8 with a byte order mark, which is how Excel knows to read "£" and accents as UTF-8."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_cell(row.get(k)) for k in columns})
    return Response(
        body=out.getvalue(),
        status_code=200,
        headers={"Content-Type": "text/csv; charset=utf-8", "Content-Disposition": f'attachment; filename="{filename}"'},
    )


# A text cell starting with one of these is run as a formula (or becomes one after a spreadsheet
# strips the leading control character): OWASP's CSV injection guidance.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")


def _csv_cell(value) -> str:
    """Text cells that a spreadsheet would run as a formula get a leading apostrophe; numbers,
    negative ones included, are numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    cell = text.printable(str(value))
    return "'" + cell if cell.startswith(FORMULA_TRIGGERS) else cell


def scorecard_csv(scorecard: dict) -> tuple[list[dict], list[str]]:
    """One row per service of a presented organisation scorecard, and the columns: the fields of
    its JSON rows in order, the level by its name and each principle's score as principles.<id>."""
    principle_ids = [p["principle_id"] for p in scorecard["principles"]]
    columns = []
    for name in ScorecardRow().fields:
        columns.extend(f"principles.{pid}" for pid in principle_ids) if name == "principles" else columns.append(name)
    rows = [
        {
            **row,
            "level": row["level"]["name"] if row["level"] else None,
            **{f"principles.{pid}": score for pid, score in row["principles"].items()},
        }
        for row in scorecard["services"]
    ]
    return rows, columns


def with_standard_headers(response: Response) -> Response:
    """Headers every response carries: no content sniffing; not stored by any cache unless the
    route said otherwise (what a signed-in caller reads is one council's private data); and,
    deployed (always HTTPS), HTTP Strict Transport Security."""
    present = {name.lower() for name in response.headers}
    if "x-content-type-options" not in present:
        response.headers["X-Content-Type-Options"] = "nosniff"
    if "cache-control" not in present:
        response.headers["Cache-Control"] = "no-store"
    if config.deployed() and "strict-transport-security" not in present:
        response.headers["Strict-Transport-Security"] = f"max-age={HSTS_MAX_AGE_SECONDS}; includeSubDomains"
    return response

