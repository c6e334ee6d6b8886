"""The reminders' records in the table (domain/reminders.py): an organisation's Notify settings
and the day's messages, each an item holding the record as plain data. Mixed into DynamoStore."""

from datetime import date, timedelta

from pynamodb.attributes import JSONAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError

from chalicelib.adapters.dynamodb import keys
from chalicelib.adapters.dynamodb.models import _Keyed, _Meta
from chalicelib.domain.errors import AlreadyExists, StaleWrite
from chalicelib.domain.etags import record_etag
from chalicelib.domain.model import AuditRecord
from chalicelib.domain.plain import from_plain, to_plain
from chalicelib.domain.reminders import DISPATCH_KEEP_DAYS, Dispatch, NotificationSettings


class NotifyItem(_Keyed):
    class Meta(_Meta):
        pass

    data = JSONAttribute()
    etag = UnicodeAttribute()
    expires_at = TTLAttribute(null=True)


class NotificationRecords:
    """GetItem, Query and conditional puts (in a transaction with the audit record where the
    write is a person's)."""

    def get_notification_settings(self, org_id: str) -> NotificationSettings | None:
        item = self._get(NotifyItem, keys.org_pk(org_id), keys.NOTIFY_SETTINGS_SK)
        return from_plain(NotificationSettings, item.data) if item else None

    def put_notification_settings(
        self, settings: NotificationSettings, expected: NotificationSettings | None, audit: AuditRecord
    ) -> None:
        item = NotifyItem(
            pk=keys.org_pk(settings.org_id), sk=keys.NOTIFY_SETTINGS_SK, data=to_plain(settings), etag=record_etag(settings)
        )
        with self._transaction(audit) as tx:
            tx.put(item, *_condition(expected))

    def list_dispatches(self, org_id: str, first_day: date, last_day: date) -> list[Dispatch]:
        query = NotifyItem.query(
            keys.org_pk(org_id),
            NotifyItem.sk.between(keys.DISPATCH_PREFIX + first_day.isoformat(), keys.DISPATCH_PREFIX + last_day.isoformat() + "~"),
            consistent_read=True,
        )
        with self._errors():
            return [from_plain(Dispatch, item.data) for item in query]

    def put_dispatch(self, dispatch: Dispatch, expected: Dispatch | None) -> None:
        item = NotifyItem(
            pk=keys.org_pk(dispatch.org_id),
            sk=keys.dispatch_sk(dispatch.day.isoformat(), dispatch.kind, dispatch.recipient),
            data=to_plain(dispatch),
            etag=record_etag(dispatch),
            expires_at=dispatch.claimed.at + timedelta(days=DISPATCH_KEEP_DAYS),
        )
        condition, on_fail = _condition(expected)
        with self._errors():
            try:
                item.save(condition=condition)
            except PutError as e:
                if e.cause_response_code == "ConditionalCheckFailedException":
                    raise on_fail("It already exists." if expected is None else "It changed since it was read.") from e
                raise


def _condition(expected) -> tuple:
    if expected is None:
        return NotifyItem.pk.does_not_exist(), AlreadyExists
    return NotifyItem.etag == record_etag(expected), StaleWrite
