"""Assessment drafts: one person's answers so far, saved as they go, resumed from any device,
and submitted once as an immutable assessment (AssessmentService.submit), which deletes them."""

from dataclasses import dataclass

from chalicelib.domain import access
from chalicelib.domain.access import Principal
from chalicelib.domain.drafts import answers_from, check_draft_answers
from chalicelib.domain.errors import NotFound
from chalicelib.domain.etags import draft_etag
from chalicelib.domain.model import Answer, Assessment, AssessmentDraft, ServiceSummary
from chalicelib.domain.preconditions import NONE, Preconditions
from chalicelib.services.assessments import AssessmentService
from chalicelib.services.context import Context, with_retries


@dataclass(frozen=True)
class DraftInProgress:
    """What the assessment pages work from: the draft (`stored` False while it is only the
    previous assessment's answers, not yet saved) and the assessment it started from."""

    draft: AssessmentDraft
    stored: bool
    previous: Assessment | None


class DraftService:
    def __init__(self, ctx: Context, assessments: AssessmentService):
        self._ctx = ctx
        self._assessments = assessments

    def get(self, principal: Principal, org_id: str, service_id: str) -> AssessmentDraft:
        self._editable_summary(principal, org_id, service_id)
        return self._stored(principal, org_id, service_id)

    def put(
        self,
        principal: Principal,
        org_id: str,
        service_id: str,
        framework_id: str,
        answers: list[Answer],
        preconditions: Preconditions = NONE,
        based_on: str | None = None,
    ) -> tuple[AssessmentDraft, bool]:
        """Create or replace the caller's draft; returns it and whether this request created it.
        `based_on` is kept from the stored draft when it is not given."""
        framework = self._ctx.framework(framework_id)
        check_draft_answers(framework, answers)
        self._editable_summary(principal, org_id, service_id)

        def attempt():
            existing = self._ctx.store.get_draft(org_id, service_id, principal.subject)
            preconditions.check(draft_etag(existing) if existing else None, "Your assessment draft")
            stamp = self._ctx.stamp(principal.actor)
            draft = AssessmentDraft(
                org_id,
                service_id,
                principal.subject,
                framework.framework_id,
                tuple(answers),
                based_on or (existing.based_on if existing else None),
                stamp,
            )
            audit = self._ctx.audit(org_id, stamp, "assessment_draft.saved", _target(service_id))
            self._ctx.store.put_draft(draft, existing, audit)
            return draft, existing is None

        return with_retries(attempt, preconditions.conditional, "Your assessment draft")

    def delete(self, principal: Principal, org_id: str, service_id: str, preconditions: Preconditions = NONE) -> None:
        self._editable_summary(principal, org_id, service_id)

        def attempt():
            existing = self._stored(principal, org_id, service_id)
            preconditions.check(draft_etag(existing), "Your assessment draft")
            audit = self._ctx.audit(org_id, self._ctx.stamp(principal.actor), "assessment_draft.deleted", _target(service_id))
            self._ctx.store.delete_draft(existing, audit)

        with_retries(attempt, preconditions.conditional, "Your assessment draft")

    def resume(self, principal: Principal, org_id: str, service_id: str) -> DraftInProgress:
        """The caller's draft, or (before they save anything) one holding the answers of the
        service's latest assessment, so that a reassessment starts from them."""
        summary = self._editable_summary(principal, org_id, service_id)
        framework = self._ctx.current_framework
        stored = self._ctx.store.get_draft(org_id, service_id, principal.subject)
        based_on = stored.based_on if stored else (summary.latest.assessment_id if summary.latest else None)
        previous = self._ctx.store.get_assessment(org_id, service_id, based_on) if based_on else None
        if stored is not None:
            return DraftInProgress(stored, True, previous)
        answers = answers_from(framework, previous)
        draft = AssessmentDraft(
            org_id,
            service_id,
            principal.subject,
            framework.framework_id,
            answers,
            previous.assessment_id if answers else None,
            self._ctx.stamp(principal.actor),
        )
        return DraftInProgress(draft, False, previous if answers else None)

    def submit(self, principal: Principal, org_id: str, service_id: str, preconditions: Preconditions = NONE) -> Assessment:
        """Submit the caller's draft as it is stored (only over the version they checked, when
        `preconditions` say so) and delete it in the same transaction."""
        draft = self._stored(principal, org_id, service_id)
        preconditions.check(draft_etag(draft), "Your assessment draft")
        return self._assessments.submit(principal, org_id, service_id, draft.framework_id, list(draft.answers), draft=draft)

    def _stored(self, principal: Principal, org_id: str, service_id: str) -> AssessmentDraft:
        draft = self._ctx.store.get_draft(org_id, service_id, principal.subject)
        if draft is None:
            raise NotFound(f"You have no assessment draft for service {service_id!r}.")
        return draft

    def _editable_summary(self, principal: Principal, org_id: str, service_id: str) -> ServiceSummary:
        access.require_org_member_who_may_edit(principal, org_id)
        summary = self._ctx.summary_or_404(org_id, service_id)
        access.require_service_editor(principal, org_id, summary.owner_email)
        return summary


def _target(service_id: str) -> str:
    return f"services/{service_id}/assessment-draft"
