"""The series as SVG geometry, drawn by the template with attributes and classes (the CSP forbids
inline styles, and a chart needs no script): bars for conversations in, a line for replies out,
marks for breaches, on one count scale."""

from __future__ import annotations

from dataclasses import dataclass

from sla.reports.figures import Point

WIDTH, HEIGHT = 720, 220
LEFT, BOTTOM, TOP = 40, 24, 8


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # the tooltip (<title>)


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    replies_line: str  # polyline points
    breach_marks: list[tuple[float, float, str]]
    y_ticks: list[tuple[float, int]]
    x_ticks: list[tuple[float, str]]
    baseline: float


def _nice_max(value: int) -> int:
    for step in (1, 2, 5):
        for power in range(7):
            top = step * 10**power
            if top >= value:
                return max(top, 1)
    return value


def draw(points: list[Point], *, hourly: bool) -> Chart:
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    top = _nice_max(
        max([p.conversations_in for p in points] + [p.replies_out for p in points] + [p.breaches for p in points] + [1])
    )
    slot = plot_w / max(len(points), 1)
    baseline = TOP + plot_h

    def y(value: int) -> float:
        return round(baseline - plot_h * value / top, 1)

    bars, line, marks, x_ticks = [], [], [], []
    every = max(1, len(points) // 8)
    for n, p in enumerate(points):
        x = LEFT + n * slot
        when = p.at.strftime("%H:%M" if hourly else "%-d %b")
        bars.append(
            Bar(
                round(x + slot * 0.15, 1),
                y(p.conversations_in),
                round(slot * 0.7, 1),
                round(baseline - y(p.conversations_in), 1),
                f"{when}: {p.conversations_in} in, {p.replies_out} replies, {p.breaches} breaches",
            )
        )
        centre = round(x + slot / 2, 1)
        line.append(f"{centre},{y(p.replies_out)}")
        if p.breaches:
            marks.append((centre, y(p.breaches), f"{when}: {p.breaches} breaches"))
        if n % every == 0:
            x_ticks.append((centre, when))
    y_ticks = [(y(v), v) for v in (0, top // 2, top)] if top > 1 else [(y(0), 0), (y(1), 1)]
    return Chart(WIDTH, HEIGHT, bars, " ".join(line), marks, y_ticks, x_ticks, baseline)
