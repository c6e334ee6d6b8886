"""A principle's page <-> the draft API's body (chalicelib/web/assessment_forms.py), and the
draft rules behind the task list (chalicelib/domain/drafts.py)."""

from datetime import date

from chalicelib.domain.drafts import COMPLETED, IN_PROGRESS, NOT_STARTED, answers_from, merge_principle, principle_status
from chalicelib.domain.model import Answer, Evidence
from chalicelib.frameworks import current_framework
from chalicelib.web import assessment_forms as forms

FRAMEWORK = current_framework()
P1 = [q.question_id for q in FRAMEWORK.questions if q.principle_id == "P1"]
QIDS = [q.question_id for q in FRAMEWORK.questions]


def read(values: dict):
    form = forms.principle_body(FRAMEWORK, "P1", values)
    answers, errors = forms.read_principle(FRAMEWORK, form)
    return form, answers, errors


def test_only_the_questions_filled_in_are_answered_with_their_evidence_and_its_date():
    _, answers, errors = read(
        {
            f"{P1[0]}-rating": "green",
            f"{P1[0]}-justification": "Hidden: only sent with not applicable",
            f"{P1[0]}-evidence-2-url": " https://x.example/r ",
            f"{P1[0]}-evidence-2-valid-until-day": "31",
            f"{P1[0]}-evidence-2-valid-until-month": "3",
            f"{P1[0]}-evidence-2-valid-until-year": "2027",
            f"{P1[1]}-notes": "  ",
        }
    )
    assert errors == {}
    assert answers == [Answer(P1[0], "green", evidence=(Evidence("https://x.example/r", None, date(2027, 3, 31)),))]


def test_every_mistake_on_the_page_is_named_at_once_in_page_order():
    form, answers, errors = read(
        {
            f"{P1[2]}-rating": "green",
            f"{P1[2]}-evidence-1-url": "https://x.example/r",
            f"{P1[2]}-evidence-1-valid-until-day": "31",
            f"{P1[2]}-evidence-1-valid-until-month": "2",
            f"{P1[2]}-evidence-1-valid-until-year": "2027",
            f"{P1[1]}-rating": "not_applicable",
            f"{P1[0]}-notes": "Rating still to choose",
        }
    )
    assert answers == []
    listed = forms.error_list(FRAMEWORK, "P1", form, errors)
    assert listed == [
        {"text": f"Select a rating for question {P1[0]}", "href": f"#{P1[0]}-rating"},
        {"text": f"Explain why question {P1[1]} does not apply to this service", "href": f"#{P1[1]}-justification"},
        {
            "text": f"Enter the date the evidence for question {P1[2]} is valid until as a real date, for example 31 3 2027",
            "href": f"#{P1[2]}-evidence-1-valid-until-day",
        },
    ]


def test_a_bad_evidence_link_points_at_the_row_it_was_typed_in():
    form, _, errors = read({f"{P1[0]}-rating": "red", f"{P1[0]}-evidence-2-url": "javascript:alert(1)"})
    assert forms.field_errors(form, errors) == {
        f"{P1[0]}-evidence-2-url": f"Enter the evidence link for question {P1[0]} as a full web address starting with https://"
    }


def test_answers_come_back_as_the_form_values_they_were_given_as():
    answer = Answer(P1[0], "not_applicable", "Seen", "Not ours", (Evidence("https://x.example/r", "R", date(2027, 3, 1)),))
    values = forms.answer_values([answer])
    _, answers, errors = read(values)
    assert errors == {} and answers == [answer]


def test_a_principles_status_and_a_reassessments_starting_point():
    done = [Answer(qid, "green") for qid in P1]
    assert principle_status(FRAMEWORK, [], "P1") == NOT_STARTED
    assert principle_status(FRAMEWORK, done[:1], "P1") == IN_PROGRESS
    assert principle_status(FRAMEWORK, done, "P1") == COMPLETED
    # Saving P1's page replaces P1's answers only, in the framework's order.
    others = (Answer(QIDS[-1], "red"),)
    merged = merge_principle(FRAMEWORK, others + tuple(done), "P1", [Answer(P1[1], "amber")])
    assert merged == (Answer(P1[1], "amber"), Answer(QIDS[-1], "red"))
    assert answers_from(FRAMEWORK, None) == ()
