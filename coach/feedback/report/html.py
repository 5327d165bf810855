"""feedback.html: the report as one self-contained page (inline CSS and SVG; no script, nothing
fetched), written beside the eval report by `coach feedback report --out DIR`."""

from __future__ import annotations

from html import escape

from coach.feedback.report.model import Figures, Group, Report
from coach.feedback.report.svg import Series, line_chart
from coach.feedback.report.text import number, percent

_CSS = """
body{font:14px/1.5 system-ui,-apple-system,"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header,main{max-width:1100px;margin:0 auto;padding:12px 20px}
h1{font-size:20px;margin:8px 0}h2{font-size:16px;margin:22px 0 8px}h3{font-size:13px;margin:10px 0 0;color:#4b5563}
.muted{color:#6b7380;font-size:12px}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:8px}
.tile{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:8px 10px}
.tile b{display:block;font-size:18px;white-space:nowrap}
table{border-collapse:collapse;background:#fff;width:100%}th,td{border:1px solid #dde1e7;padding:3px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#eef1f5}
.chart{background:#fff;border:1px solid #dde1e7;border-radius:6px;width:100%;height:auto;margin:6px 0}
.chart .grid{stroke:#e3e6eb}.chart .tick,.chart .legend{font-size:11px;fill:#4b5563}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px}dt{font-weight:600}dd{margin:0}
"""

_HEAD = ("shown", "used", "accepted", "edited", "rejected", "acceptance rate", "edit rate", "edit distance (chars)",
         "edit distance (share)")


def _cells(f: Figures) -> str:
    values = (f.shown, f.used, f.accepted, f.edited, f.rejected, percent(f.acceptance_rate), percent(f.edit_rate),
              number(f.edit_distance_mean), percent(f.edit_ratio_mean))
    return "".join(f"<td>{escape(str(v))}</td>" for v in values)


def _table(dimension: str, heading: str, groups: tuple[Group, ...] | list[Group]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in _HEAD)
    if not groups:
        return f'<p class="muted" data-breakdown="{escape(dimension)}">nothing in the range</p>'
    rows = "".join(f'<tr data-key="{escape(g.key)}"><td>{escape(g.key)}</td>{_cells(g)}</tr>' for g in groups)
    return f'<table data-breakdown="{escape(dimension)}"><tr><th>{escape(heading)}</th>{head}</tr>{rows}</table>'


def _tiles(f: Figures) -> str:
    tiles = (("shown", f.shown), ("used", f.used), ("accepted", f.accepted), ("edited", f.edited),
             ("rejected", f.rejected), ("acceptance rate", percent(f.acceptance_rate)),
             ("edit rate", percent(f.edit_rate)),
             ("edit distance", f"{number(f.edit_distance_mean)} chars · {percent(f.edit_ratio_mean)}"))
    return "".join(f'<div class="tile" data-figure="{escape(name)}"><span class="muted">{escape(name)}</span>'
                   f"<b>{escape(str(value))}</b></div>" for name, value in tiles)


def render_html(report: Report) -> str:
    span, totals = report.range, report.totals
    days = [d.key for d in report.days]
    volume = line_chart("Suggestions per day", days, [
        Series("shown", [d.shown for d in report.days], "#3867d6"),
        Series("used", [d.used for d in report.days], "#16794a"),
        Series("edited", [d.edited for d in report.days], "#d68910"),
        Series("rejected", [d.rejected for d in report.days], "#b3261e"),
    ], chart_id="volume")
    rates = line_chart("Acceptance and edit rates per day", days, [
        Series("acceptance rate", [d.acceptance_rate for d in report.days], "#16794a"),
        Series("edit rate", [d.edit_rate for d in report.days], "#d68910"),
        Series("edit distance (share)", [d.edit_ratio_mean for d in report.days], "#7d3c98"),
    ], percent=True, chart_id="rates")
    tables = "".join(f"<h2>By {escape(b.heading)}</h2>{_table(b.dimension, b.heading, b.groups)}"
                     for b in report.breakdowns)
    active = [d for d in report.days if d.shown or d.used or d.rejected]
    timings = ", ".join(f"{escape(k)} {v:.0f} ms" for k, v in report.query_ms.items())
    title = f"coach feedback · {span.first} to {span.last}"
    return f"""<!doctype html><html lang="zh"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>{escape(title)}</title>
<style>{_CSS}</style></head><body>
<header><h1>What agents did with the suggestions: {span.first} to {span.last}</h1>
<div class="muted">days in UTC{escape(span.offset_text)} · {escape(report.database)} · made {escape(report.generated_at)}</div></header>
<main><div class="tiles" id="totals">{_tiles(totals)}</div>
<h2>Over time</h2><h3>Suggestions per day</h3>{volume}<h3>Acceptance and edit rates per day</h3>{rates}
{tables}
<h2>By day</h2>
<details><summary>{len(active)} of {len(report.days)} days with activity</summary>{_table("day", "day", active)}</details>
<h2>What the figures mean</h2><dl>
<dt>shown</dt><dd>suggestions the service sent to agents (each candidate of a response counts once)</dd>
<dt>used</dt><dd>suggestions the agent sent: as they were (accepted) or after changing them (edited)</dd>
<dt>rejected</dt><dd>suggestions the agent turned down</dd>
<dt>acceptance rate</dt><dd>used ÷ shown</dd><dt>edit rate</dt><dd>edited ÷ used</dd>
<dt>edit distance</dt><dd>between an edited suggestion and what the agent sent: characters changed (Levenshtein), and that as a share of the longer text; means over the edited ones</dd>
<dt>(unknown)</dt><dd>verdicts whose suggestion response was not recorded and that did not say it</dd>
</dl><p class="muted">from the database in two queries (every breakdown is a sum over the first): {timings}</p></main></body></html>
"""
