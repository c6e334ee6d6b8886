"""Declaration projects: what a signatory commits to deliver within a year of signing."""

from chalicelib.domain import access
from chalicelib.domain.access import Principal
from chalicelib.domain.clock import add_years
from chalicelib.domain.etags import project_etag
from chalicelib.domain.errors import Invalid, NotFound
from chalicelib.domain.model import DeclarationProject
from chalicelib.domain.preconditions import Preconditions
from chalicelib.services.context import Context, require_if_match

EDITABLE = ("title", "partners", "mission", "impact", "due", "status")


class ProjectService:
    def __init__(self, ctx: Context):
        self._ctx = ctx

    def create(self, principal: Principal, org_id: str, fields: dict) -> DeclarationProject:
        access.require_admin(principal, org_id)
        org = self._ctx.org_or_404(org_id)
        due = fields.get("due")
        if due is None:
            if org.declaration_signed_on is None:
                raise Invalid(
                    "Give a due date: the organisation has not recorded when it signed the Declaration.",
                    {"due": ["required when the organisation's declaration_signed_on is unknown"]},
                )
            due = add_years(org.declaration_signed_on, 1)  # the Declaration asks for one within a year
        stamp = self._ctx.stamp(principal.actor)
        project = DeclarationProject(
            org_id=org_id,
            project_id=self._ctx.new_id(),
            title=fields["title"],
            partners=tuple(fields["partners"]),
            mission=fields["mission"],
            impact=fields["impact"],
            due=due,
            status=fields.get("status") or "planned",
            created=stamp,
            updated=stamp,
        )
        audit = self._ctx.audit(org_id, stamp, "declaration_project.created", _target(project.project_id))
        self._ctx.store.save_project(project, None, audit)
        return project

    def list(self, principal: Principal, org_id: str) -> list[DeclarationProject]:
        access.require_org_reader(principal, org_id)
        projects = self._ctx.store.list_projects(org_id)
        if not projects:
            self._ctx.org_or_404(org_id)
        return projects

    def get(self, principal: Principal, org_id: str, project_id: str) -> DeclarationProject:
        access.require_org_reader(principal, org_id)
        return self._get(org_id, project_id)

    def patch(
        self, principal: Principal, org_id: str, project_id: str, patch: dict, preconditions: Preconditions
    ) -> DeclarationProject:
        access.require_admin(principal, org_id)
        require_if_match(preconditions)
        current = self._get(org_id, project_id)
        if patch.get("partners") is not None:
            patch = {**patch, "partners": tuple(patch["partners"])}
        return self._ctx.merge_patch(
            current,
            patch,
            preconditions,
            project_etag(current),
            (EDITABLE, EDITABLE),
            principal.actor,
            (org_id, "declaration_project.updated", _target(project_id)),
            self._ctx.store.save_project,
            f"Declaration project {project_id!r}",
        )

    def _get(self, org_id: str, project_id: str) -> DeclarationProject:
        project = self._ctx.store.get_project(org_id, project_id)
        if project is None:
            raise NotFound(f"Declaration project {project_id!r} was not found in organisation {org_id!r}.")
        return project


def _target(project_id: str) -> str:
    return f"declaration-projects/{project_id}"
