"""Rows of the SQLite file: a record's keys, index keys, etag and plain data (domain/plain.py) as
JSON, as the store and its roll-up write them."""

import json
from typing import Any

from chalicelib.adapters.dynamodb import keys
from chalicelib.domain import etags
from chalicelib.domain.model import ServiceSummary
from chalicelib.domain.plain import from_plain, to_plain


def encode(record: Any) -> str:
    return json.dumps(to_plain(record), separators=(",", ":"), ensure_ascii=False)


def decode(kind: type, data: str):
    return from_plain(kind, json.loads(data))


def raw_row(pk: str, sk: str, data: Any, etag: str | None = None, gsi1: tuple[str, str] | None = None) -> dict:
    gsi1pk, gsi1sk = gsi1 or (None, None)
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return {"pk": pk, "sk": sk, "gsi1pk": gsi1pk, "gsi1sk": gsi1sk, "etag": etag, "data": text}


def row(pk: str, sk: str, record: Any, etag: str | None = None, gsi1: tuple[str, str] | None = None) -> dict:
    return raw_row(pk, sk, to_plain(record), etag, gsi1)


def summary_row(summary: ServiceSummary) -> dict:
    """Listed in the summaries' index unless retired."""
    index = None
    if not summary.retired:
        index = (keys.summaries_index_pk(summary.org_id), keys.services_index_sk(summary.department, summary.name, summary.service_id))
    return row(keys.org_pk(summary.org_id), keys.summary_sk(summary.service_id), summary, etags.summary_etag(summary), index)


def after_prefix(prefix: str) -> str:
    """The least string above every string that starts with `prefix` (its last character + 1)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)
