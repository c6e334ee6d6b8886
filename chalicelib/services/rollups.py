"""Repairing an organisation's roll-up (domain/rollup.py): recomputed from its summaries, its
record and its projects, and written where it differs. Writes keep the roll-up current on their
own; this is for an organisation made before roll-ups existed, a change of the lock-in policy
(which moves the days a service's risk changes), and anything found wrong. It also moves records
kept where an earlier version kept them (Store.upgrade_layout). Idempotent: a second run writes
nothing. Best run when nobody is writing; a write it meets makes it start again."""

from dataclasses import dataclass

from chalicelib.domain import rollup
from chalicelib.domain.rollup_read import is_built, org_item, project_item
from chalicelib.services.context import Context, on_contention

# Items per write (DynamoDB's transactions hold at most 100).
BATCH = 90


@dataclass(frozen=True)
class RepairReport:
    org_id: str
    services: int
    written: int  # items replaced or added
    deleted: int
    moved: dict[str, int]  # records moved from where an earlier version kept them, by kind


class RollupService:
    def __init__(self, ctx: Context):
        self._ctx = ctx

    def repair(self, org_id: str) -> RepairReport:
        """NotFound without the organisation."""
        org = self._ctx.org_or_404(org_id)
        return on_contention(lambda: self._repair_once(org))

    def repair_all(self, only_unbuilt: bool = False) -> list[RepairReport]:
        """Every organisation in the registry, or (`only_unbuilt`) those whose roll-up has not
        been built (organisations an earlier version made)."""
        reports, cursor = [], None
        while True:
            page = self._ctx.store.list_orgs(100, cursor)
            for org in page.items:
                if not only_unbuilt or not self._built(org.org_id):
                    reports.append(on_contention(lambda org=org: self._repair_once(org)))
            if page.next_cursor is None:
                return reports
            cursor = page.next_cursor

    def _built(self, org_id: str) -> bool:
        found = self._ctx.store.get_rollup_items(org_id, [rollup.TOTALS])
        return is_built({name: data for name, (data, _) in found.items()})

    def _repair_once(self, org) -> RepairReport:
        store = self._ctx.store
        # The roll-up first, then what it is computed from: a write in between moves a version
        # read here, and the repair's write of that item is refused (Contended) and run again.
        current = store.list_rollup(org.org_id)
        summaries = store.list_summaries(org.org_id)
        wanted = rollup.rebuild(summaries, self._ctx.current_framework)
        wanted[rollup.ORG] = org_item(org)
        for project in store.list_projects(org.org_id):
            wanted[rollup.PROJECT + project.project_id] = project_item(project)
        changes = {name: data for name, data in wanted.items() if current.get(name, (None, None))[0] != data}
        for name in current:
            if name not in wanted and not name.startswith(rollup.SNAPSHOT):
                changes[name] = {}
        names = sorted(changes)
        for start in range(0, len(names), BATCH):
            batch = names[start : start + BATCH]
            versions = {name: current[name][1] if name in current else None for name in batch}
            store.write_rollup(org.org_id, {name: changes[name] for name in batch}, versions)
        moved = store.upgrade_layout(org.org_id)
        deleted = sum(1 for data in changes.values() if not data)
        return RepairReport(org.org_id, len(summaries), len(changes) - deleted, deleted, moved)
