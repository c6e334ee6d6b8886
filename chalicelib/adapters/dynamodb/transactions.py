"""DynamoDB's failures as domain errors, and the one transaction every write is: its items, each
with the domain error its failed condition means, and the write's audit record (and, for an
integration's delivery, its claim) in the same TransactWriteItems."""

from collections.abc import Iterator
from contextlib import contextmanager

from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamodb.items import AUDIT, claim_item
from chalicelib.adapters.dynamodb.models import AuditItem, ClaimItem
from chalicelib.domain.errors import AlreadyExists, BadRequest, Contended, Duplicate, NotFound, StaleWrite, Unavailable
from chalicelib.domain.model import AuditRecord

THROTTLING = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "ThrottlingError",
    "ProvisionedThroughputExceeded",
}


@contextmanager
def translated_errors() -> Iterator[None]:
    try:
        yield
    except PynamoDBException as e:
        if e.cause_response_code in THROTTLING:
            raise Unavailable("The store is busy; try again shortly.") from e
        if e.cause_response_code == "ValidationException" and "ExclusiveStartKey" in (e.cause_response_message or ""):
            raise BadRequest("The cursor is not valid.", {"cursor": ["not a cursor this list issued"]}) from e
        raise


class Transaction:
    """PynamoDB sends condition checks, deletes, puts and updates in that order; keeping each
    operation's error beside it maps a cancellation reason back to its meaning."""

    def __init__(self, write: TransactWrite):
        self.write = write
        self._on_fail: dict[str, list[type]] = {"check": [], "delete": [], "put": [], "update": []}

    def check(self, model, pk: str, sk: str, condition, on_fail: type) -> None:
        self.write.condition_check(model, pk, sk, condition=condition)
        self._on_fail["check"].append(on_fail)

    def delete(self, item, condition, on_fail: type) -> None:
        self.write.delete(item, condition=condition)
        self._on_fail["delete"].append(on_fail)

    def put(self, item, condition, on_fail: type) -> None:
        self.write.save(item, condition=condition)
        self._on_fail["put"].append(on_fail)

    def update(self, item, actions, condition, on_fail: type) -> None:
        self.write.update(item, actions=actions, condition=condition)
        self._on_fail["update"].append(on_fail)

    def on_fail(self, index: int) -> type:
        ordered = [*self._on_fail["check"], *self._on_fail["delete"], *self._on_fail["put"], *self._on_fail["update"]]
        return ordered[index]


@contextmanager
def transaction(connection: Connection, audit: AuditRecord) -> Iterator[Transaction]:
    """One TransactWriteItems, carrying the write's audit record. A failed condition raises the
    error its operation named; a conflict with another transaction is a StaleWrite."""
    tx = Transaction(TransactWrite(connection=connection))
    try:
        with translated_errors(), tx.write:
            yield tx
            tx.put(AUDIT.item(audit), AuditItem.pk.does_not_exist(), AlreadyExists)
            if audit.actor.integration_id and audit.actor.delivery_id:
                tx.put(claim_item(audit), ClaimItem.pk.does_not_exist(), Duplicate)
    except TransactWriteError as e:
        reasons = e.cancellation_reasons or []
        if any(r is not None and r.code == "ConditionalCheckFailed" and tx.on_fail(i) is Duplicate for i, r in enumerate(reasons)):
            # Whatever else failed, the delivery was already processed: that is the answer.
            raise Duplicate("This delivery was already processed.") from e
        for index, reason in enumerate(reasons):
            if reason is None:
                continue
            if reason.code == "ConditionalCheckFailed":
                error = tx.on_fail(index)
                raise error(_CONDITION_DETAIL[error]) from e
            if reason.code == "TransactionConflict":
                raise Contended("Another request changed the same records.") from e
            if reason.code in THROTTLING:
                raise Unavailable("The store is busy; try again shortly.") from e
        raise


_CONDITION_DETAIL = {
    Contended: "Another request changed the same records.",
    Duplicate: "This delivery was already processed.",
    AlreadyExists: "It already exists.",
    StaleWrite: "It changed since it was read.",
    NotFound: "The record it belongs to does not exist.",
}
