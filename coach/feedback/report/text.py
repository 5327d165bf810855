"""The report as a terminal table (`coach feedback report` without --json)."""

from __future__ import annotations

from coach.feedback.report.model import Figures, Report

_COLUMNS = (("shown", 8), ("used", 8), ("accepted", 9), ("edited", 8), ("rejected", 9),
            ("accept%", 8), ("edit%", 7), ("edit chars", 11), ("edit share", 11))
KEY_WIDTH = 28


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def number(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def cells(f: Figures) -> list[str]:
    return [str(f.shown), str(f.used), str(f.accepted), str(f.edited), str(f.rejected), percent(f.acceptance_rate),
            percent(f.edit_rate), number(f.edit_distance_mean), percent(f.edit_ratio_mean)]


def _line(key: str, values: list[str]) -> str:
    clipped = key if len(key) <= KEY_WIDTH else key[: KEY_WIDTH - 1] + "…"
    return clipped.ljust(KEY_WIDTH) + "".join(v.rjust(w) for v, (_, w) in zip(values, _COLUMNS))


def render_text(report: Report) -> str:
    span = report.range
    lines = [
        f"coach feedback report: {span.first} to {span.last} (UTC{span.offset_text}), {report.database}",
        "accept% = used (accepted + edited) / shown; edit% = edited / used; edit chars and share: mean "
        "Levenshtein distance of the edited ones, and its share of the longer text",
        "",
        _line("", [name for name, _ in _COLUMNS]),
        _line("all", cells(report.totals)),
    ]
    for breakdown in report.breakdowns:
        lines.append("")
        lines.append(f"by {breakdown.heading}")
        lines.extend(_line("  " + g.key, cells(g)) for g in breakdown.groups)
        if not breakdown.groups:
            lines.append("  (nothing in the range)")
    active = [d for d in report.days if d.shown or d.used or d.rejected]
    lines.append("")
    lines.append(f"by day ({len(active)} of {len(report.days)} days with activity)")
    lines.extend(_line("  " + d.key, cells(d)) for d in active)
    return "\n".join(lines) + "\n"
