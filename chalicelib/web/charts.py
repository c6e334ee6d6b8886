"""Server-rendered line charts: inline SVG in GOV.UK colours, with no client-side JavaScript.

`line_chart` returns the <svg> as Markup, so a Jinja template outputs it unescaped:

    {{ line_chart(points, title="Average score", description="Average score rose from 41 to 58
       between Jan 2025 and Nov 2026", y_label="Score", y_min=0, y_max=100, chart_id="score-chart") }}

The SVG is one image to assistive technology (role="img", named by its <title> and <desc>): the
points' own values are not announced, and the markers' tooltips reach mouse users only. A page
that shows a chart must also give its data in a table (or say everything in the description).

Every piece of text (title, description, labels, the y axis label) is escaped here, so labels
can come from user data. Coordinates are rounded to one decimal place, so the output is stable.
"""

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

TEXT_COLOUR = "#0b0c0c"  # GOV.UK text
GRIDLINE_COLOUR = "#b1b4b6"  # GOV.UK mid-grey
LINE_COLOUR = "#1d70b8"  # GOV.UK blue
BACKGROUND_COLOUR = "#ffffff"

FONT_SIZE = 16  # the y axis label and "No data yet", in viewBox units
TICK_FONT_SIZE = 14  # the axes' value and point labels

# The plot area's distance from the viewBox's edges: the left side holds the rotated y axis label
# and the tick values, the bottom the x labels; the right leaves room for half the last x label.
MARGIN_LEFT = 72
MARGIN_RIGHT = 40
MARGIN_TOP = 16
MARGIN_BOTTOM = 48
INSET = 16  # between the plot area's sides and the first and last points

Y_TICKS = 5
MAX_X_LABELS = 8
# An x label's width, estimated from its length (an average character is about 0.6em), and the
# space kept between neighbours; labels are thinned out so that they do not overlap.
CHARACTER_WIDTH = 0.6 * TICK_FONT_SIZE
LABEL_SPACE = TICK_FONT_SIZE
MARKER_RADIUS = 5
LINE_WIDTH = 3
EMPTY_TEXT = "No data yet"


def line_chart(
    points: Sequence[tuple[str, float | None]],
    *,
    title: str,
    description: str,
    y_label: str,
    y_min: float,
    y_max: float,
    chart_id: str,
    width: int = 640,
    height: int = 280,
) -> Markup:
    """An inline SVG line chart of `points`, (label, value) pairs in the order they are drawn.

    A value of None (or NaN) is a gap: the line breaks there and the point has no marker. Values
    outside [y_min, y_max] are drawn at the nearer limit (their tooltips keep the real value).
    With no points, or no values, the chart is an empty frame saying "No data yet".
    """
    if not (math.isfinite(y_min) and math.isfinite(y_max)) or y_max <= y_min:
        raise ValueError(f"y_min ({y_min}) must be less than y_max ({y_max}), and both finite")
    left, right = MARGIN_LEFT, width - MARGIN_RIGHT
    top, bottom = MARGIN_TOP, height - MARGIN_BOTTOM
    if right - left <= 2 * INSET or bottom - top <= 0:
        raise ValueError(f"a {width} x {height} chart leaves no room to plot")

    labels = [str(label) for label, _ in points]
    values = [_value(value) for _, value in points]

    def x_of(index: int) -> float:
        if len(points) == 1:
            return (left + right) / 2
        return left + INSET + index * (right - left - 2 * INSET) / (len(points) - 1)

    def y_of(value: float) -> float:
        clamped = min(max(value, y_min), y_max)
        return bottom - (clamped - y_min) / (y_max - y_min) * (bottom - top)

    ids = {"title": f"{chart_id}-title", "desc": f"{chart_id}-desc"}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart"'
        f' viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMidYMid meet"'
        # Presentation attributes, not a style attribute: the pages' CSP allows no inline styles.
        # GOV.UK Frontend sets its typeface on its classes, not on <body>, so it is named here.
        f' font-family="GDS Transport, arial, sans-serif"'
        f' role="img" aria-labelledby="{escape(ids["title"])} {escape(ids["desc"])}">',
        f'<title id="{escape(ids["title"])}">{escape(title)}</title>',
        f'<desc id="{escape(ids["desc"])}">{escape(description)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="{BACKGROUND_COLOUR}"/>',
    ]

    # Gridlines, each with its value: y_min at the bottom, y_max at the top.
    parts.append(f'<g class="app-chart__y-axis" fill="{TEXT_COLOUR}" font-size="{TICK_FONT_SIZE}">')
    for step in range(Y_TICKS):
        tick = y_min + step * (y_max - y_min) / (Y_TICKS - 1)
        y = _n(y_of(tick))
        parts.append(
            f'<line class="app-chart__gridline" x1="{left}" y1="{y}" x2="{right}" y2="{y}"'
            f' stroke="{GRIDLINE_COLOUR}" stroke-width="1"/>'
        )
        parts.append(
            f'<text class="app-chart__tick-label" x="{left - 8}" y="{y}" dy="0.35em"'
            f' text-anchor="end">{_whole(tick)}</text>'
        )
    parts.append("</g>")

    # The axes themselves, drawn over the gridlines.
    parts.append(
        f'<path class="app-chart__axis" d="M{left} {top}V{bottom}H{right}" fill="none"'
        f' stroke="{TEXT_COLOUR}" stroke-width="1"/>'
    )
    middle = _n((top + bottom) / 2)
    parts.append(
        f'<text class="app-chart__y-label" x="20" y="{middle}" transform="rotate(-90 20 {middle})"'
        f' text-anchor="middle" dy="0.35em" fill="{TEXT_COLOUR}" font-size="{FONT_SIZE}">'
        f"{escape(y_label)}</text>"
    )

    # The x labels, thinned out so they do not overlap, with a tick under each.
    parts.append(f'<g class="app-chart__x-axis" fill="{TEXT_COLOUR}" font-size="{TICK_FONT_SIZE}">')
    for index in _shown_labels(labels, span=right - left - 2 * INSET):
        x = _n(x_of(index))
        parts.append(
            f'<line x1="{x}" y1="{bottom}" x2="{x}" y2="{bottom + 6}" stroke="{TEXT_COLOUR}" stroke-width="1"/>'
        )
        parts.append(
            f'<text class="app-chart__x-label" x="{x}" y="{bottom + 24}" text-anchor="middle">'
            f"{escape(labels[index])}</text>"
        )
    parts.append("</g>")

    if all(value is None for value in values):
        parts.append(
            f'<text class="app-chart__empty" x="{_n((left + right) / 2)}" y="{middle}" dy="0.35em"'
            f' text-anchor="middle" fill="{TEXT_COLOUR}" font-size="{FONT_SIZE}">{EMPTY_TEXT}</text>'
        )

    # The line, broken at each gap; a run of one point is just its marker.
    for run in _runs(values):
        if len(run) > 1:
            coordinates = " ".join(f"{_n(x_of(i))},{_n(y_of(values[i]))}" for i in run)
            parts.append(
                f'<polyline class="app-chart__line" points="{coordinates}" fill="none"'
                f' stroke="{LINE_COLOUR}" stroke-width="{LINE_WIDTH}" stroke-linejoin="round"'
                f' stroke-linecap="round"/>'
            )

    # A marker per value, its tooltip giving the label and the (unclamped) value.
    for index, value in enumerate(values):
        if value is None:
            continue
        parts.append(
            f'<circle class="app-chart__marker" cx="{_n(x_of(index))}" cy="{_n(y_of(value))}"'
            f' r="{MARKER_RADIUS}" fill="{LINE_COLOUR}" stroke="{BACKGROUND_COLOUR}" stroke-width="2">'
            f"<title>{escape(labels[index])}: {_number(value)}</title></circle>"
        )

    parts.append("</svg>")
    return Markup("".join(parts))


def _value(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _runs(values: Sequence[float | None]) -> list[list[int]]:
    """The indices of each unbroken run of values."""
    runs: list[list[int]] = []
    current: list[int] = []
    for index, value in enumerate(values):
        if value is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(index)
    if current:
        runs.append(current)
    return runs


def _shown_labels(labels: Sequence[str], span: float) -> list[int]:
    """Which of the x labels, evenly spread over `span`, to show: no more than MAX_X_LABELS, far
    enough apart that the longest would not touch its neighbours, and always the first and last.

    A regular step that ends exactly on the last label is preferred; otherwise labels go at a
    regular step from the first, and the gap before the last is up to twice as long."""
    if len(labels) <= 2:
        return list(range(len(labels)))
    last = len(labels) - 1
    slot = max(len(label) for label in labels) * CHARACTER_WIDTH + LABEL_SPACE
    min_step = max(math.ceil(last / (MAX_X_LABELS - 1)), math.ceil(slot * last / span - 1e-9))
    if min_step >= last:
        return [0, last]
    for step in range(min_step, int(min_step * 1.5) + 1):
        if last % step == 0:
            return list(range(0, last + 1, step))
    return list(range(0, last - min_step + 1, min_step)) + [last]


def _n(number: float) -> str:
    """A coordinate, to one decimal place, without a trailing ".0" or a negative zero."""
    text = f"{round(number, 1):.1f}".removesuffix(".0")
    return "0" if text == "-0" else text


def _whole(number: float) -> str:
    """A tick value as a whole number, halves rounded up."""
    return str(math.floor(number + 0.5))


def _number(value: float) -> str:
    """A point's value for its tooltip: whole numbers as such, others to one decimal place."""
    if math.isfinite(value) and value == int(value):
        return str(int(value))
    return f"{value:.1f}"
