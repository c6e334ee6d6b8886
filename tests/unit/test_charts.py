"""Server-rendered SVG line charts (chalicelib/web/charts.py), read back as XML."""

import xml.etree.ElementTree as ET

import pytest
from jinja2 import Environment
from markupsafe import Markup

from chalicelib.web.charts import line_chart

SVG = "{http://www.w3.org/2000/svg}"
TOP_VALUE, BOTTOM_VALUE = 100, 0


def chart(points, **overrides) -> Markup:
    arguments = {
        "title": "Average score",
        "description": "Average score rose from 41 to 58 between Jan 2025 and Nov 2026",
        "y_label": "Score",
        "y_min": BOTTOM_VALUE,
        "y_max": TOP_VALUE,
        "chart_id": "score-chart",
    }
    return line_chart(points, **(arguments | overrides))


def parse(svg: Markup) -> ET.Element:
    return ET.fromstring(str(svg))


def markers(root: ET.Element) -> list[ET.Element]:
    return root.findall(f".//{SVG}circle")


def polylines(root: ET.Element) -> list[ET.Element]:
    return root.findall(f".//{SVG}polyline")


def marker_tooltips(root: ET.Element) -> list[str]:
    return [marker.find(f"{SVG}title").text for marker in markers(root)]


def marker_ys(root: ET.Element) -> list[float]:
    return [float(marker.get("cy")) for marker in markers(root)]


def texts(root: ET.Element) -> list[str]:
    return ["".join(text.itertext()) for text in root.iter(f"{SVG}text")]


def gridline_ys(root: ET.Element) -> list[float]:
    """The horizontal lines spanning the plot, top first."""
    lines = [line for line in root.iter(f"{SVG}line") if line.get("y1") == line.get("y2")]
    return sorted(float(line.get("y1")) for line in lines)


def x_labels(root: ET.Element) -> list[str]:
    """The texts under the plot area, left to right."""
    bottom = max(gridline_ys(root))
    under = [text for text in root.iter(f"{SVG}text") if float(text.get("y")) > bottom]
    return ["".join(text.itertext()) for text in sorted(under, key=lambda text: float(text.get("x")))]


MONTHS = [("Jan 2025", 41.0), ("Feb 2025", 45.5), ("Mar 2025", 50.0), ("Apr 2025", 58.0)]


def test_is_an_image_named_by_its_title_and_description():
    root = parse(chart(MONTHS))

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "score-chart-title score-chart-desc"
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert (title.get("id"), title.text) == ("score-chart-title", "Average score")
    assert (desc.get("id"), desc.text) == (
        "score-chart-desc",
        "Average score rose from 41 to 58 between Jan 2025 and Nov 2026",
    )
    assert root.get("width") == "100%"
    assert root.get("viewBox") == "0 0 640 280"


def test_size_sets_the_view_box():
    root = parse(chart(MONTHS, width=400, height=200))

    assert root.get("viewBox") == "0 0 400 200"


def test_is_markup_that_jinja_outputs_unescaped():
    svg = chart(MONTHS)
    page = Environment(autoescape=True).from_string("<div>{{ svg }}</div>").render(svg=svg)

    assert isinstance(svg, Markup)
    assert page == f"<div>{svg}</div>"


def test_draws_one_line_and_a_marker_per_point_with_its_label_and_value():
    root = parse(chart(MONTHS))

    assert len(polylines(root)) == 1
    assert len(polylines(root)[0].get("points").split()) == 4
    assert marker_tooltips(root) == ["Jan 2025: 41", "Feb 2025: 45.5", "Mar 2025: 50", "Apr 2025: 58"]
    xs = [float(marker.get("cx")) for marker in markers(root)]
    assert xs == sorted(xs) and len(set(xs)) == 4


def test_a_gap_breaks_the_line_and_has_no_marker():
    points = [("Jan 2025", 41), ("Feb 2025", 45), ("Mar 2025", None), ("Apr 2025", 50), ("May 2025", 58)]
    root = parse(chart(points))

    lines = polylines(root)
    assert [len(line.get("points").split()) for line in lines] == [2, 2]
    assert marker_tooltips(root) == ["Jan 2025: 41", "Feb 2025: 45", "Apr 2025: 50", "May 2025: 58"]
    # The line's vertices are the markers' centres, and no segment crosses the gap.
    vertices = [tuple(map(float, pair.split(","))) for line in lines for pair in line.get("points").split()]
    centres = [(float(marker.get("cx")), float(marker.get("cy"))) for marker in markers(root)]
    assert vertices == centres


def test_a_point_alone_between_gaps_is_a_marker_without_a_line():
    points = [
        ("Jan 2025", 41),
        ("Feb 2025", None),
        ("Mar 2025", 50),
        ("Apr 2025", None),
        ("May 2025", 58),
        ("Jun 2025", 60),
    ]
    root = parse(chart(points))

    assert len(markers(root)) == 4
    assert [len(line.get("points").split()) for line in polylines(root)] == [2]


def test_values_map_linearly_from_the_bottom_of_the_plot_to_its_top():
    points = [("a", BOTTOM_VALUE), ("b", 25), ("c", 50), ("d", 75), ("e", TOP_VALUE)]
    root = parse(chart(points))

    top, bottom = min(gridline_ys(root)), max(gridline_ys(root))
    ys = marker_ys(root)
    assert ys[0] == bottom
    assert ys[-1] == top
    assert ys == sorted(ys, reverse=True)  # higher value, nearer the top
    step = (bottom - top) / 4
    assert ys == pytest.approx([bottom - i * step for i in range(5)], abs=0.1)


def test_values_map_linearly_within_any_range():
    root = parse(chart([("a", 20), ("b", 30), ("c", 60)], y_min=20, y_max=60))

    top, bottom = min(gridline_ys(root)), max(gridline_ys(root))
    assert marker_ys(root) == pytest.approx([bottom, bottom - (bottom - top) / 4, top], abs=0.1)


def test_five_gridlines_labelled_with_whole_numbers():
    root = parse(chart(MONTHS, y_min=0, y_max=10))

    assert len(gridline_ys(root)) == 5
    tick_labels = [text for text in texts(root) if text.lstrip("-").isdigit()]
    assert tick_labels == ["0", "3", "5", "8", "10"]


def test_y_label_is_drawn_rotated():
    root = parse(chart(MONTHS, y_label="Score (%)"))

    [label] = [text for text in root.iter(f"{SVG}text") if text.text == "Score (%)"]
    assert "rotate(-90" in label.get("transform")


def test_values_outside_the_range_are_drawn_at_its_limits():
    root = parse(chart([("low", -20), ("in", 50), ("high", 140)]))

    top, bottom = min(gridline_ys(root)), max(gridline_ys(root))
    assert marker_ys(root)[0] == bottom
    assert marker_ys(root)[2] == top
    assert marker_tooltips(root) == ["low: -20", "in: 50", "high: 140"]  # the real values
    ys_on_line = [float(pair.split(",")[1]) for pair in polylines(root)[0].get("points").split()]
    assert min(ys_on_line) == top and max(ys_on_line) == bottom


def test_text_is_escaped():
    root = parse(
        chart(
            [("<script>alert(1)</script>", 40), ("Tom & Jerry's \"best\"", 50)],
            title="<b>Score</b>",
            description="a < b & c",
            y_label="<i>Score</i>",
        )
    )

    assert root.find(f".//{SVG}script") is None
    assert root.find(f".//{SVG}b") is None and root.find(f".//{SVG}i") is None
    assert root.find(f"{SVG}title").text == "<b>Score</b>"
    assert root.find(f"{SVG}desc").text == "a < b & c"
    assert "<script>alert(1)</script>" in texts(root)
    assert "<i>Score</i>" in texts(root)
    assert marker_tooltips(root) == ["<script>alert(1)</script>: 40", "Tom & Jerry's \"best\": 50"]


def test_chart_id_is_escaped():
    root = parse(chart(MONTHS, chart_id='x" onload="alert(1)'))

    assert root.get("onload") is None
    assert root.find(f"{SVG}title").get("id") == 'x" onload="alert(1)-title'


@pytest.mark.parametrize("count", [9, 12, 13, 22, 23, 24, 37, 60, 100])
def test_x_labels_are_thinned_keeping_the_first_and_last(count):
    points = [(f"Month {i}", 50) for i in range(count)]
    root = parse(chart(points))

    shown = x_labels(root)
    assert 2 <= len(shown) <= 8
    assert shown[0] == "Month 0"
    assert shown[-1] == f"Month {count - 1}"
    assert len(markers(root)) == count  # every point is still drawn


@pytest.mark.parametrize("count", [9, 10, 16, 50])
def test_short_x_labels_are_thinned_to_eight_at_most(count):
    points = [(f"W{i}", 50) for i in range(count)]
    shown = x_labels(parse(chart(points, width=2000)))

    assert 2 <= len(shown) <= 8
    assert (shown[0], shown[-1]) == ("W0", f"W{count - 1}")


def test_x_labels_are_all_shown_when_few():
    root = parse(chart(MONTHS))

    assert x_labels(root) == ["Jan 2025", "Feb 2025", "Mar 2025", "Apr 2025"]


def test_a_narrow_chart_shows_fewer_x_labels():
    points = [(f"{day} Mar 2026", 50) for day in range(10, 18)]

    wide = x_labels(parse(chart(points, width=1000)))
    narrow = x_labels(parse(chart(points, width=320)))
    assert len(wide) == 8
    assert 2 <= len(narrow) < 8
    assert (narrow[0], narrow[-1]) == ("10 Mar 2026", "17 Mar 2026")


def test_no_points_is_an_empty_frame_saying_so():
    root = parse(chart([]))

    assert "No data yet" in texts(root)
    assert markers(root) == []
    assert polylines(root) == []
    assert len(gridline_ys(root)) == 5
    assert root.get("role") == "img"


def test_only_gaps_says_no_data_yet():
    root = parse(chart([("Jan 2025", None), ("Feb 2025", None)]))

    assert "No data yet" in texts(root)
    assert markers(root) == []
    assert polylines(root) == []


def test_data_does_not_say_no_data_yet():
    assert "No data yet" not in texts(parse(chart(MONTHS)))


def test_a_single_point_is_one_marker_without_a_line():
    root = parse(chart([("3 Mar 2026", 58)]))

    assert marker_tooltips(root) == ["3 Mar 2026: 58"]
    assert polylines(root) == []
    assert x_labels(root) == ["3 Mar 2026"]
    assert "No data yet" not in texts(root)


def test_coordinates_have_at_most_one_decimal_place():
    points = [(f"Day {i}", 100 / 3 + i / 7) for i in range(17)]
    root = parse(chart(points, width=613, height=277))

    numbers = [marker.get("cx") for marker in markers(root)] + marker_ys(root)
    numbers += [coordinate for pair in polylines(root)[0].get("points").split() for coordinate in pair.split(",")]
    assert all(len(str(number).partition(".")[2]) <= 1 for number in numbers)


def test_output_is_stable():
    assert chart(MONTHS) == chart(list(MONTHS))


def test_uses_gov_uk_colours():
    root = parse(chart(MONTHS))

    assert polylines(root)[0].get("stroke") == "#1d70b8"
    assert polylines(root)[0].get("stroke-width") == "3"
    assert {marker.get("fill") for marker in markers(root)} == {"#1d70b8"}


@pytest.mark.parametrize(("y_min", "y_max"), [(10, 10), (50, 0), (0, float("inf"))])
def test_rejects_an_empty_range(y_min, y_max):
    with pytest.raises(ValueError):
        chart(MONTHS, y_min=y_min, y_max=y_max)
