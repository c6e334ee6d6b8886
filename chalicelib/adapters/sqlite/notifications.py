"""The reminders' records in the SQLite file, under the DynamoDB items' keys (adapters/dynamodb/
notifications.py): Notify settings and the day's messages. Mixed into SqliteStore."""

import json
from datetime import date, timedelta

from chalicelib.adapters.dynamodb import keys
from chalicelib.domain.etags import record_etag
from chalicelib.domain.model import AuditRecord
from chalicelib.domain.plain import from_plain, to_plain
from chalicelib.domain.reminders import DISPATCH_KEEP_DAYS, Dispatch, NotificationSettings


def _row(pk: str, sk: str, record, expires_at: float | None = None) -> dict:
    text = json.dumps(to_plain(record), separators=(",", ":"), ensure_ascii=False)
    return {"pk": pk, "sk": sk, "gsi1pk": None, "gsi1sk": None, "etag": record_etag(record), "expires_at": expires_at, "data": text}


def _put(tx, row: dict, expected) -> None:
    if expected is None:
        tx.insert(row)
    else:
        tx.replace(row, record_etag(expected))


class NotificationRecords:
    def get_notification_settings(self, org_id: str) -> NotificationSettings | None:
        data = self.db.get(keys.org_pk(org_id), keys.NOTIFY_SETTINGS_SK)
        return from_plain(NotificationSettings, json.loads(data)) if data is not None else None

    def put_notification_settings(
        self, settings: NotificationSettings, expected: NotificationSettings | None, audit: AuditRecord
    ) -> None:
        with self._write(audit) as tx:
            _put(tx, _row(keys.org_pk(settings.org_id), keys.NOTIFY_SETTINGS_SK, settings), expected)

    def list_dispatches(self, org_id: str, first_day: date, last_day: date) -> list[Dispatch]:
        rows = self.db.rows(
            "SELECT data FROM items WHERE pk = ? AND sk BETWEEN ? AND ? ORDER BY sk",
            (keys.org_pk(org_id), keys.DISPATCH_PREFIX + first_day.isoformat(), keys.DISPATCH_PREFIX + last_day.isoformat() + "~"),
        )
        return [from_plain(Dispatch, json.loads(data)) for (data,) in rows]

    def put_dispatch(self, dispatch: Dispatch, expected: Dispatch | None) -> None:
        expires = (dispatch.claimed.at + timedelta(days=DISPATCH_KEEP_DAYS)).timestamp()
        sk = keys.dispatch_sk(dispatch.day.isoformat(), dispatch.kind, dispatch.recipient)
        with self.db.transaction() as tx:
            _put(tx, _row(keys.org_pk(dispatch.org_id), sk, dispatch, expires), expected)
