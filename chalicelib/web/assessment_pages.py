"""The self-assessment as GOV.UK's "complete multiple tasks" pattern: a task list with one task
per principle, a page per principle that saves into the person's draft on the server, and
"check your answers", which submits the draft as one immutable assessment.

A reassessment starts from the latest assessment's answers; each answer still as it was then
says so on its page, for the owner to confirm or change."""

from __future__ import annotations

from chalicelib.bootstrap import use_cases
from chalicelib.domain.catalogue import RATINGS, Framework
from chalicelib.domain.drafts import carried_over, is_complete, merge_principle, principle_status
from chalicelib.domain.errors import Forbidden, Invalid, NotFound
from chalicelib.domain.etags import draft_etag
from chalicelib.domain.preconditions import ANY, Preconditions
from chalicelib.edge import presenters
from chalicelib.services.drafts import DraftInProgress
from chalicelib.web import assessment_forms as forms
from chalicelib.web import session
from chalicelib.web.page import common, go, html, may_edit, page
from chalicelib.web.rendering import day

ASSESSMENT = "/app/orgs/{org_id}/services/{service_id}/assessment"
STATUS_TEXT = {"not_started": "Not started", "in_progress": "In progress", "completed": "Completed"}


@page(ASSESSMENT)
def assessment_tasks(principal, request, org_id, service_id):
    svc, framework, progress = _start(principal, org_id, service_id)
    answers = progress.draft.answers
    notice = session.flash_of(request)
    # Only a principle of this framework, saved for this service: the banner names nothing else.
    saved = next(
        (p.principle_id for p in framework.principles if notice == ("principle-saved", f"{service_id}/{p.principle_id}")), None
    )
    return html(
        "assessment_tasks.html",
        title=f"Assess {svc.name}",
        service=presenters.service(svc),
        framework=framework,
        tasks=[
            {"principle": p, "status": principle_status(framework, answers, p.principle_id)}
            for p in framework.principles
        ],
        status_text=STATUS_TEXT,
        complete=is_complete(framework, answers),
        stored=progress.stored,
        previous_on=_previous_on(progress),
        carried=sum(carried_over(a, progress.previous) for a in answers),
        saved=next((p for p in framework.principles if p.principle_id == saved), None),
        **common(principal, request, org_id),
    )


@page(ASSESSMENT + "/principles/{principle_id}", ("GET", "POST"))
def assessment_principle(principal, request, org_id, service_id, principle_id):
    svc, framework, progress = _start(principal, org_id, service_id)
    principle = _principle_or_404(framework, principle_id)
    errors, form, values = {}, None, forms.answer_values(progress.draft.answers)
    if request.method == "POST":
        values = request.form
        form = forms.principle_body(framework, principle_id, values)
        answers, errors = forms.read_principle(framework, form)
        if not errors:
            merged = merge_principle(framework, progress.draft.answers, principle_id, answers)
            uc = use_cases()
            uc.drafts.put(
                principal, org_id, service_id, framework.framework_id, list(merged),
                _the_version_shown(values.get("etag")), based_on=progress.draft.based_on,
            )
            flash = session.flash_cookie("principle-saved", f"{service_id}/{principle_id}")
            return go(ASSESSMENT.format(org_id=org_id, service_id=service_id), cookies=[flash])
    by_question = {a.question_id: a for a in progress.draft.answers}
    questions = forms.principle_questions(framework, principle_id)
    return html(
        "assessment_principle.html",
        422 if errors else 200,
        title=f"{principle.title}: assess {svc.name}",
        service=presenters.service(svc),
        framework=framework,
        principle=principle,
        questions=questions,
        rows={q.question_id: forms.evidence_rows(by_question.get(q.question_id)) for q in questions},
        carried={q.question_id: q.question_id in by_question and carried_over(by_question[q.question_id], progress.previous) for q in questions},
        previous_on=_previous_on(progress),
        ratings=RATINGS,
        labels=forms.RATING_LABELS,
        values=values,
        etag=draft_etag(progress.draft) if progress.stored else "",
        errors=forms.error_list(framework, principle_id, form, errors) if form else [],
        field_errors=forms.field_errors(form, errors) if form else {},
        **common(principal, request, org_id),
    )


@page(ASSESSMENT + "/check-your-answers", ("GET", "POST"))
def assessment_check(principal, request, org_id, service_id):
    svc, framework, progress = _start(principal, org_id, service_id)
    errors = []
    if request.method == "POST":
        uc = use_cases()
        try:
            version = _the_version_shown(request.form.get("etag"))
            if not progress.stored:
                # Nothing changed since the previous assessment: its answers become the draft first.
                draft, _ = uc.drafts.put(
                    principal, org_id, service_id, framework.framework_id, list(progress.draft.answers), version,
                    based_on=progress.draft.based_on,
                )
                version = Preconditions.matching(draft_etag(draft))
            uc.drafts.submit(principal, org_id, service_id, version)
            flash = session.flash_cookie("assessment-submitted", service_id)
            return go(f"/app/orgs/{org_id}/services/{service_id}#latest-score", cookies=[flash])
        except Invalid as invalid:
            errors = [{"text": invalid.detail, "href": "#answers"}]
    by_question = {a.question_id: a for a in progress.draft.answers}
    unanswered = [q for q in framework.questions if q.question_id not in by_question]
    return html(
        "assessment_check.html",
        422 if errors else 200,
        title=f"Check your answers: assess {svc.name}",
        service=presenters.service(svc),
        framework=framework,
        answers=by_question,
        carried={qid: carried_over(a, progress.previous) for qid, a in by_question.items()},
        previous_on=_previous_on(progress),
        unanswered=unanswered,
        labels=forms.RATING_LABELS,
        etag=draft_etag(progress.draft) if progress.stored else "",
        errors=errors,
        **common(principal, request, org_id),
    )


def _start(principal, org_id: str, service_id: str) -> tuple:
    uc = use_cases()
    svc = uc.services.get(principal, org_id, service_id)
    if not may_edit(principal, org_id, svc.owner_email):
        raise Forbidden("Only the service's owner or an administrator can submit its assessment.")
    progress = uc.drafts.resume(principal, org_id, service_id)
    return svc, uc.context.framework(progress.draft.framework_id), progress


def _principle_or_404(framework: Framework, principle_id: str):
    for principle in framework.principles:
        if principle.principle_id == principle_id:
            return principle
    raise NotFound(f"The framework has no principle {principle_id!r}.")


def _the_version_shown(etag: str | None) -> Preconditions:
    """Only over the draft the page was made from: its etag, or no draft at all (none was
    saved when the page was shown), so that a save from another device is never lost."""
    return Preconditions.matching(etag) if etag else Preconditions(if_none_match=ANY)


def _previous_on(progress: DraftInProgress) -> str | None:
    return day(progress.previous.submitted.at) if progress.previous else None

