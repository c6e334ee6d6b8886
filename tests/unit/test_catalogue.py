"""The shipped catalogue as data: what it cites, and that it cites nothing it cannot source."""

import copy
import json
import re
from pathlib import Path

import pytest

import chalicelib.frameworks
from chalicelib.domain.catalogue import framework_from_dict
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
