"""Moving an organisation between stores (make export / make import): from the local SQLite file
to a deployed stage's table, or back. Records keep their ids, dates and audit trail, because
they are copied as stored, never re-created through the use cases.

An import is planned before anything is written: every partition the file names is read from
the target, and each record is judged (domain/transfer.py). If the target holds anything newer
than the file, or anything the file does not have (work done there since), nothing is written.
Writes then go in small all-or-nothing batches, each conditional on what the plan read, so an
interrupted import is resumed by running it again: what was written is now the same and is
skipped."""

from collections.abc import Callable
from dataclasses import dataclass, field

from chalicelib.domain.errors import NotFound
from chalicelib.domain.transfer import verdict
from chalicelib.services.ports import Archive, Entry

# DynamoDB's TransactWriteItems takes up to 100 items and 4 MB; smaller batches keep a retry
# after a conflict cheap.
BATCH_ITEMS = 25
BATCH_BYTES = 1_000_000


@dataclass(frozen=True)
class Refusal:
    entry: Entry  # the target's copy when the file does not have the record
    outcome: str  # domain/transfer.py: NEWER, DIFFERENT; "only_in_target"


@dataclass
class ImportPlan:
    writes: list[tuple[Entry, Entry | None]] = field(default_factory=list)
    same: int = 0
    refusals: list[Refusal] = field(default_factory=list)


def partitions_to_export(archive: Archive, org_id: str) -> list[str]:
    partitions = archive.partitions(org_id)
    if partitions is None:
        raise NotFound(f"Organisation {org_id!r} does not exist.")
    return partitions


def read_for_export(archive: Archive, pk: str, now: float) -> list[Entry]:
    """A partition's entries; expired claims and deliveries are left behind, as TTL would."""
    return [e for e in archive.read_partition(pk) if not _expired(e, now)]


def plan_import(archive: Archive, entries: list[Entry], org_id: str, now: float) -> ImportPlan:
    """What an import of `entries` (one organisation's, grouped by partition) would write."""
    plan = ImportPlan()
    by_partition: dict[str, list[Entry]] = {}
    for entry in entries:
        by_partition.setdefault(entry.pk, []).append(entry)
    partitions = set(by_partition) | set(archive.partitions(org_id) or ())
    for pk in sorted(partitions):
        stored = {e.sk: e for e in archive.read_partition(pk) if not _expired(e, now)}
        incoming = {e.sk: e for e in by_partition.get(pk, ())}
        for sk, entry in incoming.items():
            judged = verdict(entry.data, stored[sk].data if sk in stored else None, entry.derived)
            if judged.write:
                plan.writes.append((entry, stored.get(sk)))
            elif judged.refused:
                plan.refusals.append(Refusal(entry, judged.outcome))
            else:
                plan.same += 1
        for sk in stored.keys() - incoming.keys():
            if not stored[sk].derived:
                plan.refusals.append(Refusal(stored[sk], "only_in_target"))
    return plan


def apply_import(archive: Archive, plan: ImportPlan, progress: Callable[[int], None] = lambda n: None) -> None:
    """The plan's writes in batches; `progress` is told how many each batch wrote. Raises
    StaleWrite if the target changed since the plan read it (what was written stays: plan and
    run the import again)."""
    batch: list[tuple[Entry, Entry | None]] = []
    size = 0
    for write in plan.writes:
        entry_size = len(repr(write[0].data))
        if batch and (len(batch) == BATCH_ITEMS or size + entry_size > BATCH_BYTES):
            archive.write(batch)
            progress(len(batch))
            batch, size = [], 0
        batch.append(write)
        size += entry_size
    if batch:
        archive.write(batch)
        progress(len(batch))


def _expired(entry: Entry, now: float) -> bool:
    return entry.expires_at is not None and entry.expires_at < now

