"""The assessment catalogue: frameworks, their questions and levels, and the lock-in policy.

A framework never changes once shipped; a revision is a new framework_id that names the one it
supersedes. The current framework, the one offered for new assessments, is the one that no
other supersedes.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from chalicelib.domain.standards import point_title

RATING_VALUES = {"green": 1, "amber": 0.5, "red": 0}
RATINGS = (*RATING_VALUES, "not_applicable")
SEVERITIES = ("low", "medium", "high")
GATE_IDS = ("no_red_answers", "max_red_answers", "min_principle_score")


@dataclass(frozen=True)
class Reference:
    standard: str  # a key of standards.STANDARDS
    point: int
    title: str  # the point's title, from standards.py


@dataclass(frozen=True)
class Principle:
    principle_id: str
    title: str
    summary: str


@dataclass(frozen=True)
class Question:
    question_id: str
    principle_id: str
    text: str
    guidance: str
    weight: int
    references: tuple[Reference, ...]


@dataclass(frozen=True)
class Gate:
    gate_id: str
    description: str
    value: float | None


@dataclass(frozen=True)
class Level:
    level: int
    name: str
    min_score: float
    gates: tuple[Gate, ...]


@dataclass(frozen=True)
class ExportFormat:
    format_id: str
    title: str
    open: bool


@dataclass(frozen=True)
class LockInRule:
    code: str
    severity: str
    message: str
    reference: str


@dataclass(frozen=True)
class LockInPolicy:
    rules: dict[str, LockInRule]
    exit_plan_review_months: int
    long_contract_years: int
    expiry_window_months: int
    supplier_concentration_share: float
    supplier_concentration_min_services: int


@dataclass(frozen=True)
class Framework:
    framework_id: str
    title: str
    version: str
    published: str
    supersedes: str | None
    sources: tuple[str, ...]
    principles: tuple[Principle, ...]
    questions: tuple[Question, ...]
    levels: tuple[Level, ...]
    export_formats: tuple[ExportFormat, ...]
    lock_in: LockInPolicy
    current: bool = False  # set by catalogue_of: whether this is the catalogue's newest revision

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.question_id == question_id), None)

    def export_format_ids(self) -> frozenset[str]:
        return frozenset(f.format_id for f in self.export_formats)

    def open_format_ids(self) -> frozenset[str]:
        return frozenset(f.format_id for f in self.export_formats if f.open)


def framework_from_dict(data: dict[str, Any]) -> Framework:
    """Build a Framework from its data file, refusing an inconsistent catalogue early."""
    problems: list[str] = []
    principles = tuple(Principle(**p) for p in data["principles"])
    principle_ids = {p.principle_id for p in principles}
    questions = tuple(
        Question(
            question_id=q["question_id"],
            principle_id=q["principle_id"],
            text=q["text"],
            guidance=q["guidance"],
            weight=int(q["weight"]),
            references=tuple(_reference(q["question_id"], r, problems) for r in q["references"]),
        )
        for q in data["questions"]
    )
    levels = tuple(
        sorted(
            (
                Level(
                    level=lv["level"],
                    name=lv["name"],
                    min_score=lv["min_score"],
                    gates=tuple(Gate(g["gate_id"], g["description"], g.get("value")) for g in lv["gates"]),
                )
                for lv in data["levels"]
            ),
            key=lambda lv: lv.level,
        )
    )
    lock_in = data["lock_in"]
    thresholds = lock_in["thresholds"]
    policy = LockInPolicy(
        rules={r["code"]: LockInRule(**r) for r in lock_in["rules"]},
        exit_plan_review_months=thresholds["exit_plan_review_months"],
        long_contract_years=thresholds["long_contract_years"],
        expiry_window_months=thresholds["expiry_window_months"],
        supplier_concentration_share=thresholds["supplier_concentration_share"],
        supplier_concentration_min_services=thresholds["supplier_concentration_min_services"],
    )
    framework = Framework(
        framework_id=data["framework_id"],
        title=data["title"],
        version=data["version"],
        published=data["published"],
        supersedes=data.get("supersedes"),
        sources=tuple(data["sources"]),
        principles=principles,
        questions=questions,
        levels=levels,
        export_formats=tuple(ExportFormat(**f) for f in data["export_formats"]),
        lock_in=policy,
    )
    _check(framework, principle_ids, problems)
    return framework


def _reference(question_id: str, data: dict[str, Any], problems: list[str]) -> Reference:
    """A reference's title comes from the one table of points (standards.py). A data file that
    states the title too must state that table's title for that number, so that a renumbered
    point fails loading; a file without titles (ldd-2018) gets the table's."""
    standard, point, stated = data["standard"], data["point"], data.get("title")
    unknown = set(data) - {"standard", "point", "title"}
    if unknown:
        problems.append(f"{question_id}: unknown reference fields {sorted(unknown)}")
    try:
        title = point_title(standard, point)
    except ValueError as error:
        problems.append(f"{question_id}: {error}")
        return Reference(standard, point, stated or "")
    if stated is not None and stated != title:
        problems.append(f"{question_id}: {standard} point {point} is {title!r}, not {stated!r}")
    return Reference(standard, point, title)


def _check(framework: Framework, principle_ids: set[str], problems: list[str]) -> None:
    if len({q.question_id for q in framework.questions}) != len(framework.questions):
        problems.append("duplicate question_id")
    for q in framework.questions:
        if q.principle_id not in principle_ids:
            problems.append(f"{q.question_id}: unknown principle {q.principle_id}")
        if q.weight < 1:
            problems.append(f"{q.question_id}: weight must be positive")
    lowest = framework.levels[0]
    if lowest.min_score != 0 or lowest.gates:
        problems.append("the lowest level must have min_score 0 and no gates")
    for level in framework.levels:
        for gate in level.gates:
            if gate.gate_id not in GATE_IDS:
                problems.append(f"level {level.level}: unknown gate {gate.gate_id}")
    for rule in framework.lock_in.rules.values():
        if rule.severity not in SEVERITIES:
            problems.append(f"{rule.code}: unknown severity {rule.severity}")
    if problems:
        raise ValueError(f"catalogue {framework.framework_id} is inconsistent: " + "; ".join(problems))


def catalogue_of(frameworks: Iterable[Framework]) -> dict[str, Framework]:
    """The frameworks by id, the newest marked current. Revisions must form one line, each
    superseding the one before, so that "the newest" means one framework."""
    by_id: dict[str, Framework] = {}
    for framework in frameworks:
        if framework.framework_id in by_id:
            raise ValueError(f"two frameworks are named {framework.framework_id!r}")
        by_id[framework.framework_id] = framework
    for framework in by_id.values():
        if framework.supersedes is not None and framework.supersedes not in by_id:
            raise ValueError(f"{framework.framework_id} supersedes {framework.supersedes!r}, which is not in the catalogue")
    superseded = {f.supersedes for f in by_id.values()}
    newest = [fid for fid in by_id if fid not in superseded]
    line: list[str] = []
    step = newest[0] if len(newest) == 1 else None
    while step is not None and step not in line:
        line.append(step)
        step = by_id[step].supersedes
    if len(line) != len(by_id):  # two lines, a fork or a cycle
        raise ValueError(f"the frameworks {sorted(by_id)} are not one line of revisions, each superseding the one before")
    return {fid: replace(f, current=fid == line[0]) for fid, f in by_id.items()}
