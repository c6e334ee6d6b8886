"""Rules of an assessment in the making: what a draft may hold, how far each principle has got,
and which answers are still the ones copied from the previous assessment."""

from chalicelib.domain.catalogue import Framework
from chalicelib.domain.errors import Invalid
from chalicelib.domain.model import Answer, Assessment
from chalicelib.domain.scoring import answer_errors

NOT_STARTED, IN_PROGRESS, COMPLETED = "not_started", "in_progress", "completed"


def check_draft_answers(framework: Framework, answers: list[Answer]) -> None:
    """As a submission's answers (known questions, each once, a justification for not
    applicable), except that any question may still be unanswered."""
    errors = answer_errors(framework, answers)
    if errors:
        raise Invalid("The draft's answers do not match the framework's questions.", errors)


def principle_status(framework: Framework, answers: list[Answer] | tuple[Answer, ...], principle_id: str) -> str:
    """The GOV.UK task list's status of one principle: none, some or all of its questions answered."""
    answered = {a.question_id for a in answers}
    questions = [q.question_id for q in framework.questions if q.principle_id == principle_id]
    done = sum(qid in answered for qid in questions)
    return NOT_STARTED if done == 0 else COMPLETED if done == len(questions) else IN_PROGRESS


def is_complete(framework: Framework, answers: list[Answer] | tuple[Answer, ...]) -> bool:
    answered = {a.question_id for a in answers}
    return all(q.question_id in answered for q in framework.questions)


def answers_from(framework: Framework, previous: Assessment | None) -> tuple[Answer, ...]:
    """What a reassessment starts from: the previous assessment's answers to the questions the
    current framework still asks (a revision keeps its question ids; a question it dropped is
    not carried, a new one starts unanswered)."""
    if previous is None:
        return ()
    return tuple(a for a in previous.answers if framework.question(a.question_id) is not None)


def carried_over(answer: Answer, previous: Assessment | None) -> bool:
    """Whether this answer is still exactly the one the previous assessment gave."""
    if previous is None:
        return False
    return any(answer == before for before in previous.answers)


def merge_principle(framework: Framework, answers: tuple[Answer, ...], principle_id: str, given: list[Answer]) -> tuple[Answer, ...]:
    """The draft's answers with one principle's replaced by those given on its page, in the
    framework's order (a question left blank there is no longer answered)."""
    theirs = {q.question_id for q in framework.questions if q.principle_id == principle_id}
    by_question = {a.question_id: a for a in answers if a.question_id not in theirs}
    by_question.update({a.question_id: a for a in given})
    return tuple(by_question[q.question_id] for q in framework.questions if q.question_id in by_question)
