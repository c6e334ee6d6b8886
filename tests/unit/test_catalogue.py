"""The shipped catalogue as data: what it cites, and that it cites nothing it cannot source."""

import copy
import json
import re
from pathlib import Path

import pytest

import chalicelib.frameworks
from chalicelib.domain.catalogue import catalogue_of, framework_from_dict
from chalicelib.domain.standards import SERVICE_STANDARD, STANDARDS, TECHNOLOGY_CODE_OF_PRACTICE
from chalicelib.frameworks import load_catalogue

SHIPPED = sorted(load_catalogue().values(), key=lambda f: f.framework_id)
DIRECTORY = Path(chalicelib.frameworks.__file__).parent
FILES = sorted(DIRECTORY.glob("*.json"))


def _data(name: str) -> dict:
    return json.loads((DIRECTORY / name).read_text(encoding="utf-8"))


# A quantitative claim: a percentage or a sum of money.
_FIGURE = re.compile(r"[0-9]\s*%|per\s*cent|£\s*[0-9]", re.IGNORECASE)


def _citations(reference: str) -> list[str]:
    """A reference names one or more sources, separated by semicolons."""
    return [part.strip() for part in reference.split(";")]


@pytest.mark.parametrize("framework", SHIPPED, ids=lambda f: f.framework_id)
def test_a_figure_in_a_lock_in_reference_names_its_own_address(framework):
    """A figure the product shows names where it comes from: a citation that quotes a
    percentage or a sum must carry its own https address, not borrow the next one's."""
    for rule in framework.lock_in.rules.values():
        for citation in _citations(rule.reference):
            if _FIGURE.search(citation):
                assert "https://" in citation, f"{rule.code}: {citation!r}"


@pytest.mark.parametrize("framework", SHIPPED, ids=lambda f: f.framework_id)
def test_questions_and_guidance_quote_no_figures(framework):
    for question in framework.questions:
        for text in (question.text, question.guidance):
            assert not _FIGURE.search(text), question.question_id


@pytest.mark.parametrize("framework", SHIPPED, ids=lambda f: f.framework_id)
def test_supplier_concentration_cites_what_city_tools_shows_and_tcop_11(framework):
    """No published source gives a share of London boroughs' spend by supplier (and City Tools
    covered about two thirds of the boroughs): the reference says what City Tools maps, no more."""
    reference = framework.lock_in.rules["SUPPLIER_CONCENTRATION"].reference
    assert "LOTI City Tools" in reference and "TCoP 11, multiple suppliers" in reference
    assert not re.search(r"[0-9]", reference.replace("TCoP 11", ""))


# --- references: one table of the points they cite --------------------------------------------


def test_the_table_has_every_point_of_both_standards_in_order():
    assert list(SERVICE_STANDARD) == list(range(1, 15))
    assert list(TECHNOLOGY_CODE_OF_PRACTICE) == list(range(1, 14))
    assert SERVICE_STANDARD[6] == "have a multidisciplinary team"
    assert SERVICE_STANDARD[11] == "choose the right tools and technology"
    assert TECHNOLOGY_CODE_OF_PRACTICE[11] == "define your purchasing strategy"
    assert TECHNOLOGY_CODE_OF_PRACTICE[13] == "meet the Service Standard"


@pytest.mark.parametrize("framework", SHIPPED, ids=lambda f: f.framework_id)
def test_every_reference_is_titled_as_the_table_titles_its_number(framework):
    for question in framework.questions:
        assert question.references, f"{question.question_id} cites nothing"
        for r in question.references:
            assert r.title == STANDARDS[r.standard][r.point], (question.question_id, r)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_title_a_data_file_states_is_the_tables(path):
    """The loader checks it too; this names the file and question when a file is edited."""
    for question in json.loads(path.read_text(encoding="utf-8"))["questions"]:
        for r in question["references"]:
            assert r["point"] in STANDARDS[r["standard"]], (question["question_id"], r)
            if "title" in r:
                assert r["title"] == STANDARDS[r["standard"]][r["point"]], (question["question_id"], r)


def _with_reference(reference: dict) -> dict:
    data = copy.deepcopy(_data("ldd-2018.json"))
    data["questions"][0]["references"] = [reference]
    return data


@pytest.mark.parametrize(
    ("reference", "problem"),
    [
        # renumbered: point 7's title under number 6
        ({"standard": "service-standard", "point": 6, "title": "use agile ways of working"}, "is 'have a multidisciplinary team'"),
        ({"standard": "service-standard", "point": 15}, "has no point 15"),
        ({"standard": "tcop", "point": 0}, "has no point 0"),
        ({"standard": "iso-9001", "point": 1}, "unknown standard"),
        ({"standard": "tcop", "point": 1, "page": 3}, "unknown reference fields"),
    ],
)
def test_a_reference_that_is_not_in_the_table_fails_loading(reference, problem):
    with pytest.raises(ValueError, match=problem):
        framework_from_dict(_with_reference(reference))


def test_a_file_without_titles_gets_the_tables():
    framework = framework_from_dict(_with_reference({"standard": "tcop", "point": 9}))
    assert framework.questions[0].references[0].title == "integrate and adapt technology"


# --- revisions ------------------------------------------------------------------------------


def test_the_newest_revision_is_current_and_the_first_is_still_shipped():
    catalogue = load_catalogue()
    assert sorted(catalogue) == ["ldd-2018", "ldd-2018-r2"]
    assert [f.framework_id for f in catalogue.values() if f.current] == ["ldd-2018-r2"]
    assert catalogue["ldd-2018-r2"].supersedes == "ldd-2018" and catalogue["ldd-2018"].supersedes is None


def test_the_revision_differs_from_ldd_2018_only_in_its_identity_and_its_references():
    """Principles, question texts, guidance, weights, levels, export formats and lock-in rules
    are the same, so scores and the scorecard's aggregates mean the same under both."""
    old, new = _data("ldd-2018.json"), _data("ldd-2018-r2.json")
    identity = {"framework_id", "title", "version", "current", "supersedes", "published"}
    assert {k: (old.get(k), new.get(k)) for k in identity} == {
        "framework_id": ("ldd-2018", "ldd-2018-r2"),
        "title": ("Local Digital Declaration (2018)", "Local Digital Declaration (2018), revision 2"),
        "version": ("1.0.0", "1.1.0"),
        "current": (True, None),  # not read: the newest revision is current
        "supersedes": (None, "ldd-2018"),
        "published": ("2018-07-04", "2026-12-07"),
    }
    assert {k: v for k, v in old.items() if k not in identity | {"questions"}} == {
        k: v for k, v in new.items() if k not in identity | {"questions"}
    }
    assert [_without_references(q) for q in old["questions"]] == [_without_references(q) for q in new["questions"]]

    # Every reference now states its title; P4-Q4 (a senior sponsor, an elected member with a
    # digital portfolio) cites the Declaration's digital leadership principle instead of Service
    # Standard 6 and 7 (a multidisciplinary team, agile ways of working), which say nothing of it.
    for before, after in zip(old["questions"], new["questions"]):
        if before["question_id"] == "P4-Q4":
            assert before["references"] == [{"standard": "service-standard", "point": 6}, {"standard": "service-standard", "point": 7}]
            assert after["references"] == [{"standard": "ldd", "point": 4, "title": "Digital leadership"}]
        else:
            assert [{k: r[k] for k in ("standard", "point")} for r in after["references"]] == before["references"]
            assert all(set(r) == {"standard", "point", "title"} for r in after["references"])


def _without_references(question: dict) -> dict:
    return {k: v for k, v in question.items() if k != "references"}


def test_a_declaration_reference_is_titled_as_the_frameworks_own_principle():
    for framework in SHIPPED:
        titles = {p.principle_id: p.title for p in framework.principles}
        for question in framework.questions:
            for r in question.references:
                if r.standard == "ldd":
                    assert r.title == titles[f"P{r.point}"]


def _framework(framework_id: str, supersedes: str | None = None):
    data = {**_data("ldd-2018.json"), "framework_id": framework_id}
    if supersedes:
        data["supersedes"] = supersedes
    return framework_from_dict(data)


def test_the_catalogue_marks_the_end_of_the_line_current():
    catalogue = catalogue_of([_framework("a"), _framework("c", "b"), _framework("b", "a")])
    assert {fid: f.current for fid, f in catalogue.items()} == {"a": False, "b": False, "c": True}
    alone = catalogue_of([_framework("a")])
    assert alone["a"].current


@pytest.mark.parametrize(
    ("frameworks", "problem"),
    [
        ([("a", None), ("b", "z")], "supersedes 'z', which is not in the catalogue"),
        ([("a", None), ("b", None)], "not one line"),  # two current
        ([("a", None), ("b", "a"), ("c", "a")], "not one line"),  # a fork
        ([("a", None), ("b", "c"), ("c", "b")], "not one line"),  # a cycle beside the line
        ([("a", None), ("a", None)], "two frameworks are named 'a'"),
    ],
)
def test_the_catalogue_refuses_revisions_that_are_not_one_line(frameworks, problem):
    with pytest.raises(ValueError, match=problem):
        catalogue_of([_framework(fid, older) for fid, older in frameworks])
