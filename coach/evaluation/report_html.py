"""report.html: one self-contained page (inline CSS and JS, nothing fetched) for a run.

Summary per template, a side-by-side matrix (scenarios x templates), and per scenario the
conversation, each template's reply with violation spans highlighted, the checks and the cited
passages. A filter shows only failing scenarios or those matching a search.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from html import escape
from typing import Any

from coach.evaluation.report_md import _ROWS, _fmt, _summaries

_CSS = """
body{font:14px/1.5 system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header,main{max-width:1200px;margin:0 auto;padding:12px 20px}
h1{font-size:20px;margin:8px 0}h2{font-size:16px;margin:20px 0 8px}h3{font-size:15px;margin:4px 0}
table{border-collapse:collapse;background:#fff;width:100%}th,td{border:1px solid #dde1e7;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef1f5}.pass{color:#16794a;font-weight:600}.fail{color:#b3261e;font-weight:600}
.badge{display:inline-block;border-radius:4px;padding:0 6px;font-size:12px;color:#fff}.badge.pass{background:#16794a}.badge.fail{background:#b3261e}
.filters{position:sticky;top:0;background:#f6f7f9;padding:8px 0;z-index:1;border-bottom:1px solid #dde1e7}
.card{background:#fff;border:1px solid #dde1e7;border-radius:6px;margin:10px 0;padding:10px 14px}
.turn{margin:4px 0;padding:4px 8px;border-radius:4px;white-space:pre-wrap}.turn.customer{background:#fff4e5}.turn.agent{background:#e8f1fd}
.reply{white-space:pre-wrap;background:#f1f8f3;padding:6px 8px;border-radius:4px}
mark{background:#ffd2cc;border-bottom:2px solid #b3261e}.muted{color:#6b7380;font-size:12px}
.cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:10px}
.passage{font-size:12px;white-space:pre-wrap;background:#fafafa;padding:4px;border-left:3px solid #9aa5b1}
.errors{background:#fdecea;border:1px solid #f5c2bd;padding:8px;border-radius:6px}
"""

_JS = """
function applyFilter(){var only=document.getElementById('only-failing').checked;
var q=document.getElementById('search').value.toLowerCase();var shown=0;
document.querySelectorAll('[data-scenario]').forEach(function(el){
var ok=(!only||el.dataset.passed==='false')&&(!q||el.textContent.toLowerCase().indexOf(q)>=0);
el.style.display=ok?'':'none';if(ok&&el.classList.contains('card'))shown++;});
document.getElementById('shown').textContent=shown;}
document.addEventListener('DOMContentLoaded',function(){
document.getElementById('only-failing').addEventListener('change',applyFilter);
document.getElementById('search').addEventListener('input',applyFilter);applyFilter();});
"""


def highlight(text: str, violations: Sequence[dict[str, Any]]) -> str:
    """The reply, escaped, with each violation's [start, end) span wrapped in <mark>."""
    spans = sorted(
        (int(v["span"][0]), int(v["span"][1]), str(v.get("rule", "")), str(v.get("hint", "")))
        for v in violations if isinstance(v.get("span"), (list, tuple)) and len(v["span"]) == 2
    )
    out: list[str] = []
    pos = 0
    for start, end, rule, hint in spans:
        start, end = max(start, pos), min(end, len(text))
        if start >= end:
            continue
        out.append(escape(text[pos:start]))
        out.append(f'<mark title="{escape(rule)}: {escape(hint)}">{escape(text[start:end])}</mark>')
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)


def _badge(passed: bool) -> str:
    return f'<span class="badge {"pass" if passed else "fail"}">{"pass" if passed else "fail"}</span>'


def _summary_table(report: dict[str, Any]) -> str:
    sums = _summaries(report)
    head = "".join(f"<th>{escape(t)}</th>" for t in sums)
    rows = []
    for label, key, kind in _ROWS:
        if any(s.get(key) is not None for s in sums.values()):
            rows.append(f"<tr><td>{escape(label)}</td>" + "".join(
                f"<td>{escape(_fmt(s.get(key), kind))}</td>" for s in sums.values()) + "</tr>")
    rows.append("<tr><td>latency p50 / p95 ms</td>" + "".join(
        f"<td>{s['latency_ms']['p50']:.1f} / {s['latency_ms']['p95']:.1f}</td>" for s in sums.values()) + "</tr>")
    rows.append("<tr><td>tokens prompt + completion</td>" + "".join(
        f"<td>{s['tokens']['prompt']} + {s['tokens']['completion']}</td>" for s in sums.values()) + "</tr>")
    rows.append("<tr><td>cost USD</td>" + "".join(f"<td>{s['cost_usd']:.4f}</td>" for s in sums.values()) + "</tr>")
    rows.append("<tr><td>violations in replies</td>" + "".join(
        f"<td>{escape(json.dumps(s.get('violations_by_rule', {})))}</td>" for s in sums.values()) + "</tr>")
    rows.append("<tr><td>rejected drafts (repaired)</td>" + "".join(
        f"<td>{escape(json.dumps(s.get('rejected_drafts_by_rule', {})))}</td>" for s in sums.values()) + "</tr>")
    return f"<table><tr><th>metric</th>{head}</tr>{''.join(rows)}</table>"


def _grouped(report: dict[str, Any]) -> tuple[list[str], dict[str, dict[str, dict[str, Any]]]]:
    templates: list[str] = []
    by_id: dict[str, dict[str, dict[str, Any]]] = {}
    for r in report["results"]:
        t = str(r["template"])
        if t not in templates:
            templates.append(t)
        by_id.setdefault(str(r["id"]), {})[t] = r
    return templates, by_id


def _matrix(templates: list[str], groups: Iterable[tuple[str, dict[str, dict[str, Any]]]]) -> Iterator[str]:
    head = "".join(f"<th>{escape(t)}</th>" for t in templates)
    yield f"<table><tr><th>scenario</th>{head}</tr>"
    for sid, per in groups:
        passed = all(r["passed"] for r in per.values())
        first = next(iter(per.values()))
        cells = []
        for t in templates:
            r = per.get(t)
            if r is None:
                cells.append("<td>–</td>")
                continue
            rate = f' <span class="muted">{r["pass_rate"] * 100:.0f}%</span>' if "trials" in r else ""
            cells.append(f"<td>{_badge(r['passed'])}{rate} {escape(_clip(r['reply'], 90))}</td>")
        yield (
            f'<tr data-scenario="{escape(sid)}" data-passed="{str(passed).lower()}"><td><a href="#s-{escape(sid)}">'
            f'{escape(sid)}</a><div class="muted">{escape(str(first.get("locale") or ""))} '
            f'{escape(_clip(first.get("description", ""), 80))}</div></td>{"".join(cells)}</tr>')
    yield "</table>"


def _clip(text: str, width: int) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _reply_block(template: str, r: dict[str, Any]) -> str:
    checks = "".join(
        f'<li class="{"pass" if c["passed"] else "fail"}">{escape(c["name"])}: '
        f'<span class="muted">{escape(str(c["detail"]))}</span></li>' for c in r["checks"])
    passages = "".join(
        f'<details><summary>{escape(p["id"])} {escape(_clip(p.get("title", ""), 60))}</summary>'
        f'<div class="passage">{escape(p["text"])}</div></details>' for p in r.get("cited_passages", []))
    meta = (f'source {escape(str(r.get("source")))}, attempts {r.get("attempts")}, '
            f'{"degraded (" + escape(str(r.get("degraded_reason"))) + "), " if r.get("degraded") else ""}'
            f'{r.get("latency_ms", 0):.0f} ms'
            + (f', rejected drafts {escape(json.dumps(r["rejected_drafts_by_rule"]))}' if r.get("rejected_drafts_by_rule") else ""))
    judge = ""
    if r.get("judge"):
        j = r["judge"]
        judge = (f'<div>judge {_badge(bool(j["passed"]))} {escape(json.dumps(j.get("scores", {})))} '
                 f'<span class="muted">{escape(str(j.get("error") or j.get("reasons", "")))}</span></div>')
    error = f'<div class="fail">{escape(r["error"])}</div>' if r.get("error") else ""
    return (f'<div><h3>{escape(template)} {_badge(r["passed"])}</h3><div class="muted">{meta}</div>{error}'
            f'<div class="reply">{highlight(r.get("reply", ""), r.get("violations", []))}</div>'
            f'<ul>{checks}</ul>{judge}<div>{passages or "<span class=muted>no passage cited</span>"}</div></div>')


def _card(sid: str, per: dict[str, dict[str, Any]]) -> str:
    first = next(iter(per.values()))
    passed = all(r["passed"] for r in per.values())
    turns = "".join(
        f'<div class="turn {escape(t["role"])}"><span class="muted">{escape(t["role"])} · round {t.get("round", 1)}</span>\n'
        f'{escape(t["text"])}</div>' for t in first.get("conversation", []))
    expect = escape(json.dumps(first.get("expect", {}), ensure_ascii=False))
    replies = "".join(_reply_block(t, r) for t, r in per.items())
    where = f'{first.get("file", "")}:{first.get("line", "")}'
    return (f'<div class="card" id="s-{escape(sid)}" data-scenario="{escape(sid)}" data-passed="{str(passed).lower()}">'
            f'<h2>{_badge(passed)} {escape(sid)}</h2><div>{escape(first.get("description", ""))}</div>'
            f'<div class="muted">{escape(where)} · expect {expect}</div>{turns}<div class="cols">{replies}</div></div>')


def render_html(report: dict[str, Any]) -> str:
    templates, by_id = _grouped(report)
    return "".join(iter_html(report, templates, lambda: iter(by_id.items())))


Groups = Callable[[], Iterable[tuple[str, dict[str, dict[str, Any]]]]]


def iter_html(report: dict[str, Any], templates: list[str], groups: Groups) -> Iterator[str]:
    """The page in pieces: `report` gives the run, summary and load errors; `groups()` the results
    by scenario ({template: result}), called once for the matrix and once for the cards, so a
    batch run streams them from disk."""
    run, summary = report["run"], report["summary"]
    errors = ""
    if report.get("load_errors"):
        items = "".join(f"<li>{escape(e['file'])}{':' + str(e['line']) if e.get('line') else ''}: "
                        f"{escape(e['message'])}</li>" for e in report["load_errors"])
        errors = f'<div class="errors"><b>scenario files with errors</b><ul>{items}</ul></div>'
    judge = run.get("judge")
    judge_line = f" · judge {escape(str(judge.get('model')))} / {escape(str(judge.get('template')))}" if judge else ""
    yield f"""<!doctype html><html lang="zh"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>coach eval · {summary['passed']}/{summary['total']}</title>
<style>{_CSS}</style><script>{_JS}</script></head><body>
<header><h1>coach eval: {summary['passed']}/{summary['total']} passed ({summary['pass_rate'] * 100:.1f}%)</h1>
<div class="muted">backend {escape(str(run.get('backend')))} · model {escape(str(run.get('model')))} · templates
{escape(', '.join(templates))} · repeat {run.get('repeat', 1)} · {run.get('duration_s')} s · {escape(str(run.get('started')))}{judge_line}</div></header>
<main>{errors}<h2>Summary</h2>{_summary_table(report)}
<div class="filters"><label><input type="checkbox" id="only-failing"> only failing</label>
<input type="search" id="search" placeholder="filter by id or text"> <span class="muted"><span id="shown"></span> scenarios shown</span></div>
<h2>Matrix</h2>"""
    yield from _matrix(templates, groups())
    yield "\n<h2>Scenarios</h2>"
    for sid, per in groups():
        yield _card(sid, per)
    yield "\n</main></body></html>\n"
