"""The shipped catalogue as data: what it cites, and that it cites nothing it cannot source."""

import re

import pytest

from chalicelib.frameworks import load_catalogue

SHIPPED = sorted(load_catalogue().values(), key=lambda f: f.framework_id)

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
