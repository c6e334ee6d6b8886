"""Between the assessment's pages (one per principle) and the API's draft body.

A principle's page is turned into the answers the draft API would accept for its questions,
checked by the API's own schema and the domain's answer rules, and their errors are turned back
into GOV.UK error messages pointing at the field to fix. No rule lives here: only names,
labels and wording."""

from __future__ import annotations

import re
from dataclasses import dataclass

from marshmallow import ValidationError

from chalicelib.domain.catalogue import Framework, Question
from chalicelib.domain.model import Answer
from chalicelib.domain.scoring import answer_errors
from chalicelib.edge.errors import flatten
from chalicelib.schemas.requests import MAX_EVIDENCE, AssessmentDraftIn
from chalicelib.web.forms import _date, _date_values

EVIDENCE_ROWS = 2  # blank evidence rows a question offers when it has no more evidence already
RATING_LABELS = {
    "green": "Green: we do this well",
    "amber": "Amber: partly, or not consistently",
    "red": "Red: not yet",
    "not_applicable": "Not applicable to this service",
}
_EVIDENCE_PARTS = ("url", "title", "valid-until")


def principle_questions(framework: Framework, principle_id: str) -> list[Question]:
    return [q for q in framework.questions if q.principle_id == principle_id]


def evidence_rows(answer: Answer | None) -> int:
    """How many evidence rows a question's page shows: its evidence, and at least two."""
    return min(MAX_EVIDENCE, max(EVIDENCE_ROWS, len(answer.evidence) if answer else 0))


@dataclass(frozen=True)
class PrincipleForm:
    body: dict  # the draft API's body, with the answers given on this page only
    questions: list[str]  # the question of each answer in `body`, in order
    evidence_rows: list[list[int]]  # per answer, the form's row number of each evidence item sent


def principle_body(framework: Framework, principle_id: str, form: dict) -> PrincipleForm:
    """The answers given on a principle's page: a question with nothing filled in is left
    unanswered (a draft may be), one with anything filled in is an answer to check. The reason
    a question does not apply is sent only with not applicable: otherwise it was hidden."""
    answers, questions, rows = [], [], []
    for q in principle_questions(framework, principle_id):
        qid = q.question_id
        answer: dict = {"question_id": qid}
        for name in ("rating", "justification", "notes"):
            value = (form.get(f"{qid}-{name}") or "").strip()
            if value:
                answer[name] = value
        if answer.get("rating") != "not_applicable":
            answer.pop("justification", None)
        evidence, filled = [], []
        for row in range(1, MAX_EVIDENCE + 1):
            base = f"{qid}-evidence-{row}"
            url, title = ((form.get(f"{base}-{part}") or "").strip() for part in ("url", "title"))
            valid_until = _date(form, f"{base}-valid-until")
            if url or title or valid_until:
                evidence.append({"url": url, "title": title or None, "valid_until": valid_until})
                filled.append(row)
        if evidence:
            answer["evidence"] = evidence
        if len(answer) > 1:
            answers.append(answer)
            questions.append(qid)
            rows.append(filled)
    return PrincipleForm({"framework_id": framework.framework_id, "answers": answers}, questions, rows)


def read_principle(framework: Framework, form: PrincipleForm) -> tuple[list[Answer], dict[str, list[str]]]:
    """The page's answers, or every problem on the page at once: the schema's and, on the
    answers as given, the domain's (a reason for not applicable)."""
    try:
        answers = AssessmentDraftIn().load(form.body)["answers"]
        errors = answer_errors(framework, answers)
        return (answers, {}) if not errors else ([], errors)
    except ValidationError as error:
        errors = flatten(error.messages)
    as_given = [
        Answer(question_id=a["question_id"], rating=a.get("rating") or "", justification=a.get("justification"))
        for a in form.body["answers"]
    ]
    for path, messages in answer_errors(framework, as_given).items():
        errors.setdefault(path, []).extend(messages)
    return [], errors


def field_errors(form: PrincipleForm, errors: dict[str, list[str]]) -> dict[str, str]:
    """Error message by form field id, in GOV.UK wording."""
    out: dict[str, str] = {}
    for path, messages in errors.items():
        field, text = _field(form, path, messages)
        out.setdefault(field, text)
    return out


def error_list(framework: Framework, principle_id: str, form: PrincipleForm, errors: dict[str, list[str]]) -> list[dict]:
    """The GOV.UK error summary's entries, in the order of the page; a date links to its day."""
    order = [
        f"{q.question_id}-{part}"
        for q in principle_questions(framework, principle_id)
        for part in ("rating", "justification", "notes", *(f"evidence-{r}-{p}" for r in range(1, MAX_EVIDENCE + 1) for p in _EVIDENCE_PARTS))
    ]
    ranked = sorted(field_errors(form, errors).items(), key=lambda item: order.index(item[0]) if item[0] in order else -1)
    return [{"text": text, "href": f"#{field}-day" if field.endswith("valid-until") else f"#{field}"} for field, text in ranked]


def _field(form: PrincipleForm, path: str, messages: list[str]) -> tuple[str, str]:
    match = re.fullmatch(r"answers\.(\d+)\.(\w+)(?:\.(\d+)\.(\w+))?", path)
    if not match or int(match.group(1)) >= len(form.questions):
        first = form.questions[0] if form.questions else ""
        return f"{first}-rating", messages[0][:1].upper() + messages[0][1:]
    index, name, row, part = int(match.group(1)), match.group(2), match.group(3), match.group(4)
    qid = form.questions[index]
    if name == "rating":
        return f"{qid}-rating", f"Select a rating for question {qid}"
    if name == "justification":
        if any("required" in m for m in messages):
            return f"{qid}-justification", f"Explain why question {qid} does not apply to this service"
        return f"{qid}-justification", f"Question {qid}, why it does not apply: {messages[0]}"
    if name == "evidence" and row is not None:
        # Only filled rows are sent: the n-th sent is the n-th filled one on the form.
        base = f"{qid}-evidence-{form.evidence_rows[index][int(row)]}"
        if part == "url":
            return f"{base}-url", f"Enter the evidence link for question {qid} as a full web address starting with https://"
        if part == "valid_until":
            return f"{base}-valid-until", f"Enter the date the evidence for question {qid} is valid until as a real date, for example 31 3 2027"
        return f"{base}-title", f"Question {qid}, evidence title: {messages[0]}"
    return (f"{qid}-notes" if name == "notes" else f"{qid}-rating"), f"Question {qid}: {messages[0]}"


def answer_values(answers: list[Answer] | tuple[Answer, ...]) -> dict:
    """Form values from answers already given (the draft's, or the previous assessment's)."""
    values: dict = {}
    for answer in answers:
        qid = answer.question_id
        values[f"{qid}-rating"] = answer.rating
        values[f"{qid}-justification"] = answer.justification or ""
        values[f"{qid}-notes"] = answer.notes or ""
        for row, evidence in enumerate(answer.evidence, start=1):
            base = f"{qid}-evidence-{row}"
            values[f"{base}-url"] = evidence.url
            values[f"{base}-title"] = evidence.title or ""
            if evidence.valid_until:
                values.update(_date_values(f"{base}-valid-until", evidence.valid_until.isoformat()))
    return values
