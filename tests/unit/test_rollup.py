"""The roll-up (domain/rollup.py) against the reference: random sequences of writes to an
organisation's services, each applied as (contribution after) - (contribution before), must give
the headline a full recompute (domain/scorecards.org_scorecard) gives, on any day it is read,
and the same items as a rebuild from the summaries (the repair command)."""

import dataclasses
from datetime import date, datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain import rollup
from chalicelib.domain.model import Answer, Component
from chalicelib.domain.model import LatestAssessment, ServiceSummary, Stamp
from chalicelib.domain.rollup_read import headline
from chalicelib.domain.scorecards import org_scorecard
from chalicelib.domain.scoring import score_assessment
from chalicelib.frameworks import load_catalogue
from tests.unit.builders import ANONYMOUS, ORG, component_spec, contract, data_export, exit_plan, interfaces

CATALOGUE = load_catalogue()
FRAMEWORK = next(f for f in CATALOGUE.values() if f.current)
BASE = date(2026, 1, 1)
SUPPLIERS = ["Acme Ltd", "ACME LTD", " acme ltd ", "Bravo plc", "Charlie", "Delta Systems", "delta systems"]
DEPARTMENTS = ["Adults", "Children", "Highways"]

days = st.integers(min_value=-900, max_value=900).map(lambda n: BASE + timedelta(days=n))
instants = st.integers(min_value=0, max_value=400).map(lambda n: datetime(2025, 6, 1, tzinfo=timezone.utc) + timedelta(hours=7 * n))


@st.composite
def specs(draw):
    start = draw(days)
    has_contract = draw(st.booleans())
    has_plan = draw(st.booleans())
    return component_spec(
        supplier=draw(st.sampled_from(SUPPLIERS)),
        contract=contract(start, start + timedelta(days=draw(st.integers(0, 2000))), draw(st.booleans())) if has_contract else None,
        exit_plan=exit_plan(has_plan, draw(st.one_of(st.none(), days)) if has_plan else None),
        interfaces=interfaces(draw(st.booleans()), True, draw(st.booleans())),
        data=data_export() if draw(st.booleans()) else dataclasses.replace(data_export(), export_formats=("pdf",)),
        customisation=draw(st.sampled_from(["none", "heavy"])),
        kind=draw(st.sampled_from(["saas", "bespoke"])),
    )


def answers(draw):
    return [Answer(q.question_id, draw(st.sampled_from(["green", "amber", "red", "not_applicable"])), justification="n/a")
            for q in FRAMEWORK.questions]


ops = st.one_of(
    st.tuples(st.just("create"), st.sampled_from(DEPARTMENTS)),
    st.tuples(st.just("move"), st.integers(0, 7), st.sampled_from(DEPARTMENTS)),
    st.tuples(st.just("retire"), st.integers(0, 7), st.booleans()),
    st.tuples(st.just("put"), st.integers(0, 7), st.sampled_from(["a", "b", "c"]), specs(), instants),
    st.tuples(st.just("delete"), st.integers(0, 7), st.sampled_from(["a", "b", "c"])),
    st.tuples(st.just("assess"), st.integers(0, 7), st.data(), instants),
)


def _step(summaries: dict[str, ServiceSummary], op) -> tuple[ServiceSummary | None, ServiceSummary | None]:
    """Apply one write to the summaries; return the summary before and after it."""
    ids = sorted(summaries)
    kind = op[0]
    if kind == "create":
        sid = f"S{len(summaries):03d}"
        summaries[sid] = ServiceSummary(ORG, sid, f"Service {len(summaries) % 3}", op[1], "o@x.gov.uk")
        return None, summaries[sid]
    if not ids:
        return None, None
    sid = ids[op[1] % len(ids)]
    before = summaries[sid]
    if kind == "move":
        after = dataclasses.replace(before, department=op[2])
    elif kind == "retire":
        after = dataclasses.replace(before, retired=op[2])
    elif kind == "put":
        _, _, cid, spec, at = op
        old = before.components.get(cid)
        created = old.created if old else Stamp(at, ANONYMOUS)
        after = dataclasses.replace(
            before, components={**before.components, cid: Component(ORG, sid, cid, spec, created, Stamp(at, ANONYMOUS))}
        )
    elif kind == "delete":
        after = dataclasses.replace(before, components={k: v for k, v in before.components.items() if k != op[2]})
    else:
        given_answers = answers(op[2].draw)
        if all(a.rating == "not_applicable" for a in given_answers):
            return before, before
        score = score_assessment(FRAMEWORK, given_answers)
        after = dataclasses.replace(before, latest=LatestAssessment(f"A{op[3]:%Y%m%d%H}", FRAMEWORK.framework_id, op[3], score, None))
    summaries[sid] = after
    return before, after


def _headline_fields(card):
    return {
        "services_total": card.services_total,
        "services_assessed": card.services_assessed,
        "average_score": card.average_score,
        "principles": card.principles,
        "levels": card.levels,
        "departments": card.departments,
        "by_risk": card.by_risk,
        "flags": card.flags,
        "top_suppliers": card.top_suppliers,
        "expiring_contracts": card.expiring_contracts,
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ops, max_size=40), st.lists(days, min_size=1, max_size=4))
def test_the_roll_up_is_a_full_recompute_on_any_day(writes, read_days):
    summaries: dict[str, ServiceSummary] = {}
    items: dict[str, dict] = {rollup.TOTALS: dict(rollup.NEW_TOTALS)}
    for op in writes:
        before, after = _step(summaries, op)
        changed = rollup.apply(items, rollup.contribution(before, FRAMEWORK), rollup.contribution(after, FRAMEWORK))
        items.update(changed)
        items = {k: v for k, v in items.items() if v or k == rollup.TOTALS}
    assert items == rollup.rebuild(list(summaries.values()), FRAMEWORK)
    # Also the days either side of where some service's risk changes, and the window's ends.
    switches = sorted({d for s in summaries.values() for d, _, _ in rollup.contribution(s, FRAMEWORK).risk_changes})
    ends = sorted({c.spec.contract.end for s in summaries.values() for c in s.components.values() if c.spec.contract})
    for day in switches[:3] + switches[-2:] + ends[:2]:
        read_days += [day - timedelta(days=1), day]
    for today in read_days:
        reference = org_scorecard(ORG, list(summaries.values()), FRAMEWORK, today)
        assert _headline_fields(headline(ORG, items, FRAMEWORK, today)) == _headline_fields(reference)


def test_a_risk_changes_on_the_days_its_dated_rules_switch():
    """A contract without an exit plan: medium... high from the day it enters the 18-month
    window, back when it has ended (the day after its end)."""
    spec = component_spec(contract=contract(date(2024, 1, 1), date(2027, 6, 30)), exit_plan=exit_plan(False, None))
    summary = ServiceSummary(ORG, "S", "n", "d", "o", {"a": Component(ORG, "S", "a", spec, Stamp(datetime(2025, 1, 1, tzinfo=timezone.utc), ANONYMOUS), Stamp(datetime(2025, 1, 1, tzinfo=timezone.utc), ANONYMOUS))})
    base, changes = rollup.risk_timeline(summary, FRAMEWORK)
    assert [(d, was, now) for d, was, now in changes] == [
        (date(2025, 12, 30), base, "critical"),
        (date(2027, 7, 1), "critical", base),
    ]


def test_no_item_nears_the_size_limit_at_10000_services():
    """10,000 services of 3 components each, 400 suppliers, contracts ending over 6 years: the
    largest roll-up item stays far below DynamoDB's 400 KB."""
    import json

    summaries = []
    at = datetime(2025, 1, 1, tzinfo=timezone.utc)
    for n in range(10_000):
        sid = f"01J{n:023d}"
        components = {}
        for slot in range(3):
            end = BASE + timedelta(days=(n * 7 + slot * 100) % 2200)
            spec = component_spec(supplier=f"Supplier {(n + slot * 37) % 400}", contract=contract(end - timedelta(days=700), end))
            components[f"c{slot}"] = Component(ORG, sid, f"c{slot}", spec, Stamp(at + timedelta(seconds=n), ANONYMOUS), Stamp(at, ANONYMOUS))
        summaries.append(ServiceSummary(ORG, sid, f"Service {n}", f"Department {n % 40}", "o@x", components))
    items = rollup.rebuild(summaries, FRAMEWORK)
    largest = max(len(json.dumps(v)) for v in items.values())
    assert largest < 100_000, largest
