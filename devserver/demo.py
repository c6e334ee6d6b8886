"""The demo organisation `demo-borough`, seeded through the use cases (never by writing items) so
that a fresh local server has a scorecard worth looking at.

Everything is fixed data, with dates relative to today so that the date-dependent flags (exit
plans, expiring contracts, stale assessments) stay meaningful whenever the server starts. The
history is back-dated by building the use cases with a set clock, which also makes the ULIDs
sort in submission order. Suppliers are fictional and marked "(demo)"."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from chalicelib import bootstrap
from chalicelib.domain.clock import FixedClock, add_months, london_date
from chalicelib.domain.access import ADMIN, LEADERSHIP, PLATFORM_ADMIN, SERVICE_OWNER, Principal
from chalicelib.domain.plain import from_plain
from chalicelib.domain.errors import NotFound
from chalicelib.domain.model import Answer, ComponentSpec, Evidence
from chalicelib.domain.preconditions import Preconditions
from chalicelib.domain.etags import project_etag

ORG_ID = "demo-borough"
SITE = "https://demo-borough.example"
# Who seeds: a platform admin (to create the organisation) who is also its admin (for the rest).
# The audit trail records the writes under this subject and email.
SEEDER = Principal(
    subject="devserver-demo-seed",
    email="digital@demo-borough.example",
    org_id=ORG_ID,
    roles=frozenset({PLATFORM_ADMIN, ADMIN}),
)

ORGANISATION = {
    "name": "Demo Borough (demo data)",
    "peer_group": "London boroughs",
    "declaration_signed_on": date(2019, 3, 1),
}

# The supplier behind half the services (SUPPLIER_CONCENTRATION), spelt three ways on purpose:
# suppliers group case-insensitively and show as first entered.
MERIDIAN = "Meridian Civic Systems (demo)"


@dataclass(frozen=True)
class DemoService:
    name: str
    department: str
    owner_email: str
    description: str
    phase: str
    components: dict[str, Callable[[date], dict]] = field(default_factory=dict)
    # (days before now, share of questions rated green, share rated amber) of each submission,
    # oldest first; the rest are red. Which questions get which rating follows each question's
    # fixed difficulty, so rising shares read as steady improvement.
    history: tuple[tuple[int, float, float], ...] = ()
    not_applicable: dict[str, str] = field(default_factory=dict)
    expired_evidence: bool = False


def component(
    supplier: str,
    product: str,
    kind: str,
    hosting: str,
    *,
    contract: tuple[int, int, bool, int] | None = None,
    open_api: bool = True,
    api_documented: bool = True,
    api_extra_charge: bool = False,
    formats: tuple[str, ...] = ("csv", "json"),
    free_bulk_export: bool = True,
    open_standards: tuple[str, ...] = (),
    exit_plan: bool = True,
    reviewed_months_ago: int | None = 3,
    customisation: str = "configuration",
    source_code: str = "closed",
) -> Callable[[date], dict]:
    """A component as the API's JSON body, dated relative to `today`. `contract` is (months since
    it started, months until it ends, auto renewal, annual cost in pounds)."""

    def build(today: date) -> dict:
        return {
            "supplier": supplier,
            "product": product,
            "kind": kind,
            "hosting": hosting,
            "contract": None
            if contract is None
            else {
                "start": add_months(today, -contract[0]).isoformat(),
                "end": add_months(today, contract[1]).isoformat(),
                "auto_renew": contract[2],
                "annual_cost_gbp": contract[3],
            },
            "interfaces": {"open_api": open_api, "api_documented": api_documented, "api_extra_charge": api_extra_charge},
            "data": {
                "export_formats": list(formats),
                "free_bulk_export": free_bulk_export,
                "open_standards": list(open_standards),
            },
            "exit_plan": {
                "exists": exit_plan,
                "last_reviewed": None
                if not exit_plan or reviewed_months_ago is None
                else add_months(today, -reviewed_months_ago).isoformat(),
            },
            "customisation": customisation,
            "source_code": source_code,
        }

    return build


NO_NEW_CODE = "No new code is written for this service: it runs on a configured off-the-shelf product."

SERVICES: tuple[DemoService, ...] = (
    DemoService(
        name="Adult social care assessments and support plans",
        department="Adults' Social Care",
        owner_email="a.okafor@demo-borough.example",
        description="Demo data: care needs assessments, support plans and reviews for adults and carers.",
        phase="live",
        components={
            # Almost every lock-in flag at once: the classic legacy case management contract.
            "case-management": component(
                MERIDIAN, "Meridian Care Record", "cots", "supplier_hosted",
                contract=(70, 14, True, 410_000), open_api=False, api_documented=False,
                formats=("proprietary", "pdf"), free_bulk_export=False, exit_plan=False, customisation="heavy",
            ),
            "provider-portal": component(
                "Fenwick & Hale Consulting (demo)", "Care Provider Portal", "bespoke", "public_cloud",
                contract=(30, 24, False, 65_000), formats=("csv",), reviewed_months_ago=20, source_code="escrow",
            ),
        },
        history=((690, 0.1, 0.3), (420, 0.2, 0.4), (120, 0.3, 0.5)),
    ),
    DemoService(
        name="Blue Badge applications",
        department="Adults' Social Care",
        owner_email="j.whitfield@demo-borough.example",
        description="Demo data: applying for and renewing a Blue Badge parking permit online.",
        phase="live",
        components={
            "online-forms": component(
                "Ashdown Forms (demo)", "Ashdown Forms Cloud", "saas", "public_cloud",
                contract=(10, 26, False, 18_000), api_extra_charge=True, reviewed_months_ago=5,
            ),
            "payments": component(
                "Granite Payments (demo)", "Granite Pay", "saas", "public_cloud",
                contract=(8, 28, False, 12_000), formats=("csv", "json"), reviewed_months_ago=2,
            ),
        },
        history=((400, 0.35, 0.45), (75, 0.5, 0.4)),
        not_applicable={"P5-Q1": NO_NEW_CODE},
        # The latest assessment cites an accessibility audit that has since lapsed: stale.
        expired_evidence=True,
    ),
    DemoService(
        name="Early help referrals",
        department="Children's Services",
        owner_email="m.begum@demo-borough.example",
        description="Demo data: professionals and families asking for early help, routed to the right team.",
        phase="beta",
        components={
            "referral-portal": component(
                "Openfield Digital (demo)", "Early Help Connect", "open_source", "public_cloud",
                contract=(6, 30, False, 48_000), formats=("json", "csv", "open-referral-uk"),
                open_standards=("Open Referral UK",), reviewed_months_ago=3, source_code="open",
            ),
            "case-record": component(
                "MERIDIAN Civic Systems (demo)", "Meridian Children's Record", "cots", "supplier_hosted",
                contract=(30, 30, False, 220_000), api_documented=False, formats=("csv",), reviewed_months_ago=8,
            ),
        },
        history=((700, 0.2, 0.3), (520, 0.35, 0.35), (300, 0.5, 0.4), (45, 0.6, 0.4)),
    ),
    DemoService(
        name="School admissions",
        department="Children's Services",
        owner_email="r.kowalski@demo-borough.example",
        description="Demo data: applying for primary and secondary school places, and in-year transfers.",
        phase="live",
        components={
            # The contract ends within 18 months and nobody has planned the exit.
            "admissions": component(
                MERIDIAN, "Meridian Admissions", "cots", "supplier_hosted",
                contract=(40, 8, False, 95_000), formats=("csv", "xlsx"), exit_plan=False,
            ),
        },
        # Assessed once, more than a year ago: stale.
        history=((430, 0.35, 0.45),),
        not_applicable={"P5-Q1": NO_NEW_CODE},
    ),
    DemoService(
        name="Report a missed bin collection",
        department="Environment",
        owner_email="s.adeyemi@demo-borough.example",
        description="Demo data: reporting a missed household waste or recycling collection.",
        phase="live",
        components={
            # The clean one: open source, open data, a fresh exit plan.
            "street-reporting": component(
                "Openfield Digital (demo)", "Open Street Reports", "open_source", "public_cloud",
                contract=(12, 24, False, 30_000), formats=("geojson", "csv", "json"),
                open_standards=("Open311",), reviewed_months_ago=4, source_code="open",
            ),
        },
        history=((710, 0.3, 0.3), (540, 0.45, 0.35), (360, 0.6, 0.4), (180, 0.75, 0.25), (20, 0.9, 0.1)),
    ),
    DemoService(
        name="Bulky waste collection booking",
        department="Environment",
        owner_email="s.adeyemi@demo-borough.example",
        description="Demo data: booking and paying for the collection of large household items. "
        "In alpha: no technology chosen yet and not assessed.",
        phase="alpha",
    ),
    DemoService(
        name="Housing repairs",
        department="Housing",
        owner_email="d.nwosu@demo-borough.example",
        description="Demo data: tenants reporting repairs and booking appointments with contractors.",
        phase="live",
        components={
            "repairs-system": component(
                "Harbourline Software (demo)", "Harbourline Repairs", "cots", "on_premises",
                contract=(60, 36, True, 140_000), formats=("csv",), free_bulk_export=False,
                reviewed_months_ago=None, customisation="heavy",
            ),
            "contractor-app": component(
                "Kestrel Cloud Services (demo)", "Kestrel Field Jobs", "saas", "public_cloud",
                contract=(18, 30, False, 26_000), api_extra_charge=True, formats=("json",), reviewed_months_ago=6,
            ),
        },
        history=((650, 0.1, 0.3), (380, 0.2, 0.4), (90, 0.3, 0.5)),
    ),
    DemoService(
        name="Housing register and allocations",
        department="Housing",
        owner_email="l.moreau@demo-borough.example",
        description="Demo data: joining the housing register and bidding for social homes.",
        phase="live",
        components={
            "housing-register": component(
                "Meridian civic systems (demo)", "Meridian Housing", "cots", "supplier_hosted",
                contract=(20, 40, False, 120_000), formats=("csv", "xml"), reviewed_months_ago=9,
                customisation="heavy",
            ),
            "choice-based-lettings": component(
                "Harbourline Software (demo)", "Harbourline Lettings", "saas", "supplier_hosted",
                contract=(22, 14, False, 40_000), formats=("xlsx",), reviewed_months_ago=10,
            ),
        },
        history=((500, 0.4, 0.4), (150, 0.45, 0.45)),
    ),
    DemoService(
        name="Council Tax account",
        department="Revenues and Benefits",
        owner_email="p.sharma@demo-borough.example",
        description="Demo data: viewing bills, paying, setting up Direct Debit and reporting a change.",
        phase="live",
        components={
            "revenues": component(
                MERIDIAN, "Meridian Revenues", "cots", "on_premises",
                contract=(50, 22, False, 260_000), api_extra_charge=True, formats=("csv", "proprietary"),
                reviewed_months_ago=15,
            ),
            "payments": component(
                "Granite Payments (demo)", "Granite Pay", "saas", "public_cloud",
                contract=(8, 28, False, 30_000), reviewed_months_ago=2,
            ),
            "e-billing": component(
                "Kestrel Cloud Services (demo)", "Kestrel Notify", "saas", "public_cloud",
                contract=(12, 12, True, 9_000), formats=("json", "csv"), reviewed_months_ago=6,
            ),
        },
        history=((720, 0.25, 0.3), (480, 0.35, 0.35), (240, 0.45, 0.4), (60, 0.55, 0.45)),
    ),
    DemoService(
        name="Housing Benefit and Council Tax Support claims",
        department="Revenues and Benefits",
        owner_email="p.sharma@demo-borough.example",
        description="Demo data: claiming Housing Benefit and Council Tax Support, and reporting changes.",
        phase="live",
        components={
            "benefits": component(
                MERIDIAN, "Meridian Benefits", "cots", "on_premises",
                contract=(50, 22, False, 180_000), open_api=False, api_documented=False,
                formats=("proprietary",), free_bulk_export=False, reviewed_months_ago=11,
            ),
            "document-capture": component(
                "Harbourline Software (demo)", "Harbourline Capture", "cots", "on_premises",
                formats=("pdf", "csv"), reviewed_months_ago=11,
            ),
        },
        # Not every service improves: this one has slipped since the team shrank.
        history=((600, 0.45, 0.45), (330, 0.4, 0.4), (100, 0.25, 0.4)),
        not_applicable={"P5-Q1": NO_NEW_CODE},
    ),
    DemoService(
        name="Resident account (My Demo Borough)",
        department="Customer Services",
        owner_email="t.oduya@demo-borough.example",
        description="Demo data: one sign-in for residents to track requests, bills and bookings.",
        phase="beta",
        components={
            "resident-account": component(
                "Demo Borough digital team (demo)", "My Demo Borough", "in_house", "public_cloud",
                formats=("json", "csv"), open_standards=("OpenID Connect",), reviewed_months_ago=3, source_code="open",
            ),
            "identity": component(
                "Kestrel Cloud Services (demo)", "Kestrel Identity", "saas", "public_cloud",
                contract=(6, 30, False, 15_000), formats=("json",), open_standards=("OpenID Connect",),
                reviewed_months_ago=6,
            ),
        },
        history=((330, 0.5, 0.35), (30, 0.7, 0.3)),
    ),
    DemoService(
        name="Contact centre",
        department="Customer Services",
        owner_email="t.oduya@demo-borough.example",
        description="Demo data: telephone and web chat for residents who cannot or prefer not to go online. "
        "Not assessed yet.",
        phase="live",
        components={
            "telephony": component(
                "Brightwater Telecom (demo)", "Brightwater Contact", "saas", "supplier_hosted",
                contract=(28, 6, False, 75_000), api_extra_charge=True, formats=("csv",), exit_plan=False,
            ),
        },
    ),
)


@dataclass(frozen=True)
class DemoUser:
    """Someone to sign in as locally: `make token ROLE=<role> EMAIL=<email>` (ORG defaults to
    demo-borough, and to none for a platform admin)."""

    role: str
    email: str
    org_id: str | None
    what: str


def _owned(email: str) -> str:
    names = [service.name for service in SERVICES if service.owner_email == email]
    return "owns " + " and ".join(names)


_OWNER_ONE = SERVICES[0].owner_email  # one service
_OWNER_TWO = "p.sharma@demo-borough.example"  # two services

# KPI values (demo data, made up for the demo): the organisation's for two years, to compare with
# the shipped illustrative benchmark set, and the GOV.UK service KPIs of three services.
ORG_KPIS = {
    "2024": {"it_spend_per_user": 3300, "channel_cost_web": 0.35, "channel_cost_phone": 4.1, "devices_donated": 180},
    "2025": {
        "ict_spend_share": 2.6,
        "training_days_per_user": 0.8,
        "it_spend_per_user": 2950,
        "channel_cost_web": 0.29,
        "channel_cost_phone": 3.6,
        "channel_cost_face_to_face": 10.2,
        "devices_donated": 340,
        "people_trained": 1250,
        "sims_or_data_given": 410,
        "inclusion_hubs": 6,
    },
}
SERVICE_KPI_PERIOD = "2026-Q3"
SERVICE_KPIS = {  # by index in SERVICES
    0: {"cost_per_transaction": 4.2, "user_satisfaction": 81, "completion_rate": 74, "digital_take_up": 58},
    1: {"cost_per_transaction": 1.9, "user_satisfaction": 88, "completion_rate": 91, "digital_take_up": 83},
    3: {"cost_per_transaction": 6.5, "user_satisfaction": 69, "completion_rate": 62, "digital_take_up": 41},
}

# Declaration projects (demo data): the one the borough committed to on signing, and a current one.
PROJECTS = (
    {
        "title": "Temporary accommodation repairs: one online route by March 2020",
        "partners": ["LOTI", "Two neighbouring boroughs (demo)"],
        "mission": "Demo data: a single online form for families in temporary accommodation to report repairs.",
        "impact": "Demo data: families report once; caseworkers and landlords see the same record.",
        "due": date(2020, 3, 1),
        "days_ago": 700,
        "status": "done",
    },
    {
        "title": "Device upcycling for digitally excluded residents",
        "partners": ["GLA", "LOTI", "A local charity (demo)"],
        "mission": "Demo data: refurbish retired council laptops and give them to residents who need one.",
        "impact": "Demo data: residents without a device can apply for jobs and benefits online.",
        "due": None,  # 200 days from the day the demo is seeded
        "days_ago": 90,
        "status": "in_progress",
    },
)

DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser(PLATFORM_ADMIN, "platform@tracker.example", None, "creates organisations; sees their metadata"),
    DemoUser(ADMIN, "admin@demo-borough.example", ORG_ID, "runs the council's tracker: services, assessments"),
    DemoUser(LEADERSHIP, "cdo@demo-borough.example", ORG_ID, "chief digital officer: scorecards and CSV; no writes"),
    DemoUser(SERVICE_OWNER, _OWNER_ONE, ORG_ID, _owned(_OWNER_ONE)),
    DemoUser(SERVICE_OWNER, _OWNER_TWO, ORG_ID, _owned(_OWNER_TWO)),
)


# Short names for evidence URLs, by question.
_EVIDENCE = {
    "P1-Q1": ("research", "User research findings"),
    "P1-Q3": ("accessibility", "Accessibility audit (WCAG 2.2 AA)"),
    "P2-Q3": ("exit-plans", "Exit plan"),
    "P3-Q2": ("security", "Penetration test report"),
    "P5-Q3": ("weeknotes", "Weeknotes"),
}
# Evidence that lapses: a report valid for a year from the assessment.
_EXPIRING = {"P1-Q3", "P3-Q2"}


def seed_demo(store=None, now: datetime | None = None, build=bootstrap.build) -> bool:
    """Seed `demo-borough` unless it exists; returns whether it seeded.

    Every write goes through the use cases built by `build(store=..., clock=...)`, with a clock
    set back to when the demo says it happened."""
    now = now or datetime.now(timezone.utc)
    clock = FixedClock(now)
    use_cases = build(store=store, clock=clock)
    try:
        use_cases.organisations.get(SEEDER, ORG_ID)
        return False
    except NotFound:
        pass
    today = london_date(now)
    framework = use_cases.context.current_framework  # the one the pages offer
    questions = [q.question_id for q in framework.questions]
    clock.instant = _moment(now, 760, 0, 0)
    use_cases.organisations.put(SEEDER, ORG_ID, dict(ORGANISATION))

    # Every write of the demo's history, in the order it happened, so that the monthly snapshot
    # can be taken at each month's end over the data as it stood then: the trend is computed,
    # not typed in. (instant, order within the instant, write)
    events: list[tuple[datetime, int, Callable[[], None]]] = []
    created_ids: list[list[str]] = []  # each service's id, once its creation has run
    for index, demo in enumerate(SERVICES):
        service_ids: list[str] = []
        created_ids.append(service_ids)
        fields = {
            "name": demo.name,
            "department": demo.department,
            "owner_email": demo.owner_email,
            "description": demo.description,
            "phase": demo.phase,
        }
        created = _moment(now, 60 if not demo.components else 740, index, 0)
        events.append((created, 0, lambda f=fields, ids=service_ids: ids.append(use_cases.services.create(SEEDER, ORG_ID, f).service_id)))
        for step, (component_id, spec) in enumerate(demo.components.items(), start=1):
            events.append(
                (
                    _moment(now, 735, index, step),
                    1,
                    lambda cid=component_id, spec=spec, ids=service_ids: use_cases.components.put(
                        SEEDER, ORG_ID, ids[0], cid, from_plain(ComponentSpec, spec(today))
                    ),
                )
            )
        for number, (days_ago, green, amber) in enumerate(demo.history):
            latest = number == len(demo.history) - 1

            def submit(index=index, demo=demo, green=green, amber=amber, latest=latest, ids=service_ids):
                answers = _answers(index, demo, questions, green, amber, london_date(clock.instant), today, latest)
                use_cases.assessments.submit(SEEDER, ORG_ID, ids[0], framework.framework_id, answers)

            events.append((_moment(now, days_ago, index, 0), 2, submit))
    events.sort(key=lambda event: (event[0], event[1]))
    assert all(e[0] >= _moment(now, 760, 0, 0) for e in events)

    for instant, _, write in events:
        _snapshot_month_ends(use_cases, clock, until=instant)
        clock.instant = instant
        write()
    _snapshot_month_ends(use_cases, clock, until=now)
    clock.instant = now
    use_cases.snapshots.take(ORG_ID)  # this month, so far

    for project in PROJECTS:
        clock.instant = now - timedelta(days=project["days_ago"])
        fields = {k: v for k, v in project.items() if k not in ("days_ago", "status")}
        fields["due"] = fields["due"] or today + timedelta(days=200)
        created = use_cases.projects.create(SEEDER, ORG_ID, fields)
        if project["status"] != "planned":
            etag = project_etag(created)
            use_cases.projects.patch(SEEDER, ORG_ID, created.project_id, {"status": project["status"]}, Preconditions.matching(etag))

    clock.instant = now
    for period, values in ORG_KPIS.items():
        use_cases.benchmarks.put_org_kpis(SEEDER, ORG_ID, period, values)
    for index, values in SERVICE_KPIS.items():
        use_cases.benchmarks.put_service_kpis(SEEDER, ORG_ID, created_ids[index][0], SERVICE_KPI_PERIOD, values)
    return True


def _snapshot_month_ends(use_cases, clock: FixedClock, until: datetime) -> None:
    """Take the snapshot of every month that ends between the clock and `until`, at 22:00 UTC on
    its last day: still that day in London in summer time too (23:00 UTC would be the next)."""
    while True:
        current = london_date(clock.instant)
        month_end = add_months(current.replace(day=1), 1) - timedelta(days=1)
        moment = datetime.combine(month_end, time(22, 0), timezone.utc)
        if moment >= until:
            return
        clock.instant = moment
        use_cases.snapshots.take(ORG_ID)
        clock.instant = moment + timedelta(hours=3)  # into the next month


def _moment(now: datetime, days_ago: int, service_index: int, step: int) -> datetime:
    """10:00 UTC that day, a minute apart per service and a second per write, so that no two
    writes share a millisecond (ids are made from the clock). Every date here is weeks ago."""
    day = (now - timedelta(days=days_ago)).date()
    return datetime.combine(day, time(10, 0), timezone.utc) + timedelta(minutes=service_index, seconds=step)


def _answers(
    service_index: int,
    demo: DemoService,
    questions: list[str],
    green: float,
    amber: float,
    submitted_on: date,
    today: date,
    latest: bool,
) -> list[Answer]:
    answers = []
    for position, question_id in enumerate(questions):
        if question_id in demo.not_applicable:
            answers.append(Answer(question_id, "not_applicable", justification=demo.not_applicable[question_id]))
            continue
        # Each question's fixed difficulty for this service: ratings only get better as the
        # shares rise, so rising shares read as steady improvement.
        difficulty = (((position * 7 + service_index * 3) % 20) + 0.5) / 20
        if difficulty < green:
            rating = "green"
        elif difficulty < green + amber:
            rating = "amber"
        else:
            rating = "red"
        answers.append(
            Answer(
                question_id,
                rating,
                notes=_notes(question_id, rating),
                evidence=_evidence(demo, question_id, rating, submitted_on, today, latest),
            )
        )
    return answers


def _notes(question_id: str, rating: str) -> str | None:
    if rating == "red" and question_id.startswith("P2"):
        return "Raised with the supplier; to be fixed in the next contract."
    if rating == "amber" and question_id == "P1-Q1":
        return "Research with residents twice a year; not yet with staff who use the back office."
    if rating == "green" and question_id == "P4-Q1":
        return "Named service owner with a product manager, designer and two developers."
    return None


def _evidence(
    demo: DemoService, question_id: str, rating: str, submitted_on: date, today: date, latest: bool
) -> tuple[Evidence, ...]:
    lapsed = latest and demo.expired_evidence and question_id == "P1-Q3"
    if question_id not in _EVIDENCE or not (rating == "green" or lapsed):
        return ()
    slug, title = _EVIDENCE[question_id]
    service_slug = "-".join(demo.name.lower().replace("(", "").replace(")", "").split())[:60]
    url = f"{SITE}/{slug}/{service_slug}/{submitted_on.isoformat()}"
    valid_until = None
    if question_id in _EXPIRING:
        valid_until = add_months(submitted_on, 12)
        if lapsed:
            valid_until = today - timedelta(days=25)
    return (Evidence(url=url, title=f"{title} ({submitted_on:%B %Y})", valid_until=valid_until),)
