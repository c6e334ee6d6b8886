"""Submitting and reading self-assessments. Assessments never change once submitted."""

from chalicelib.domain import access
from chalicelib.domain.access import Principal
from chalicelib.domain.errors import NotFound
from chalicelib.domain.lockin import service_lock_in
from chalicelib.domain.model import Answer, Assessment, AssessmentDraft, LatestAssessment
from chalicelib.domain.scoring import score_assessment
from chalicelib.domain.summaries import with_latest
from chalicelib.services.context import Context, on_contention
from chalicelib.services.ports import Page


class AssessmentService:
    def __init__(self, ctx: Context):
        self._ctx = ctx

    def submit(
        self,
        principal: Principal,
        org_id: str,
        service_id: str,
        framework_id: str,
        answers: list[Answer],
        draft: AssessmentDraft | None = None,
    ) -> Assessment:
        """Score and keep the answers; the `draft` they came from is deleted with the write."""
        access.require_org_member_who_may_edit(principal, org_id)
        framework = self._ctx.framework(framework_id)
        summary = self._ctx.summary_or_404(org_id, service_id)
        access.require_service_editor(principal, org_id, summary.owner_email)
        score = score_assessment(framework, answers)
        current = self._ctx.current_framework
        lock_in = service_lock_in(
            summary.component_specs(), current.lock_in, current.open_format_ids(), self._ctx.clock.today()
        )
        assessment = Assessment(
            org_id=org_id,
            service_id=service_id,
            assessment_id=self._ctx.new_id(),
            framework_id=framework.framework_id,
            answers=tuple(answers),
            score=score,
            lock_in=lock_in,
            submitted=self._ctx.stamp(principal.actor),
        )
        latest = LatestAssessment.of(assessment)
        target = f"services/{service_id}/assessments/{assessment.assessment_id}"
        audit = self._ctx.audit(org_id, assessment.submitted, "assessment.submitted", target)

        unread = [summary]  # the first attempt uses the summary just read; a retry reads it again

        def attempt():
            current = unread.pop() if unread else self._ctx.summary_or_404(org_id, service_id)
            after = with_latest(current, latest)
            self._ctx.store.add_assessment(assessment, self._ctx.summary_change(current, after) if after else None, audit, draft)

        on_contention(attempt)
        return assessment

    def get(self, principal: Principal, org_id: str, service_id: str, assessment_id: str) -> Assessment:
        access.require_org_reader(principal, org_id)
        assessment = self._ctx.store.get_assessment(org_id, service_id, assessment_id)
        if assessment is None:
            raise NotFound(f"Assessment {assessment_id!r} was not found for service {service_id!r}.")
        return assessment

    def with_previous(
        self, principal: Principal, org_id: str, service_id: str, assessment_id: str
    ) -> tuple[Assessment, Assessment | None]:
        """An assessment and the one of the same service before it (None for the first)."""
        access.require_org_reader(principal, org_id)
        assessment, previous = self._ctx.store.get_assessment_and_previous(org_id, service_id, assessment_id)
        if assessment is None:
            raise NotFound(f"Assessment {assessment_id!r} was not found for service {service_id!r}.")
        return assessment, previous

    def list(self, principal: Principal, org_id: str, service_id: str, limit: int, cursor: str | None) -> Page[Assessment]:
        access.require_org_reader(principal, org_id)
        page = self._ctx.store.list_assessments(org_id, service_id, limit, cursor)
        if not page.items and cursor is None:
            self._ctx.summary_or_404(org_id, service_id)
        return page
