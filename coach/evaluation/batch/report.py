"""A batch run's report.json, report.html and report.md, built from results.jsonl as a stream.

The trials are read back in the run's order (templates x scenarios x repeats), grouped into
scenario results as the live runner groups them, summarised one at a time, and written out as the
live report's `results` entries; nothing holds more than one scenario (per template) at a time but
the latencies for the percentiles (8 bytes a trial) and the offsets of the lines (8 bytes a result).
Each result also says which of its batch requests failed for good (`batch_errors`).
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from coach.evaluation.batch.records import item_in, trial_in
from coach.evaluation.batch.store import RunStore
from coach.evaluation.metrics import Summary
from coach.evaluation.report_html import iter_html
from coach.evaluation.report_json import REPORT_NAME, result_dict
from coach.evaluation.report_md import render_markdown
from coach.evaluation.runner import ScenarioResult

RESULTS_NAME = "results.jsonl"


def _read(fh: BinaryIO, offset: int, length: int) -> dict[str, Any]:
    fh.seek(offset)
    return json.loads(fh.read(length))


def _scenario_results(store: RunStore, results: Path, repeat: int) -> Iterator[tuple[int, ScenarioResult, list[str]]]:
    """(group number, scenario result, its batch errors) in run order; a group is one scenario
    under one template, with its repeats."""
    with results.open("rb") as fh:
        current: tuple[int, ScenarioResult, list[str]] | None = None
        for job, offset, length in store.done_jobs():
            rec = _read(fh, offset, length)
            group = job // repeat
            if current is None or current[0] != group:
                if current is not None:
                    yield current
                current = (group, ScenarioResult(item=item_in(rec["item"]), template=rec["template"] or "", trials=[]), [])
            current[1].trials.append(trial_in(rec["trial"]))
            current[2].extend(rec.get("batch_errors") or [])
        if current is not None:
            yield current


def write_reports(out: Path, store: RunStore, run: dict[str, Any], load_errors: list[dict[str, Any]], *,
                  templates: int, scenarios: int, repeat: int) -> dict[str, Any]:
    """Writes report.json, report.html and report.md under `out`; returns the report without its
    results (run, summary, load errors)."""
    batch_dir = out / "batch"
    flat = batch_dir / "report-results.jsonl"  # the results entries, in order, for the passes below
    overall = Summary()
    per_template: dict[str, Summary] = {}
    names: list[str] = []
    models: set[str] = set()
    offsets = array("q", [-1]) * (templates * scenarios)
    with flat.open("wb") as fh:
        for group, result, errors in _scenario_results(store, batch_dir / RESULTS_NAME, repeat):
            if not result.template:  # a default template is named by what the pipeline answered
                result.template = next((t.template for t in result.trials if t.template), "default")
            overall.add(result)
            per_template.setdefault(result.template, Summary()).add(result)
            if result.template not in names:
                names.append(result.template)
            models.update(t.model for t in result.trials if t.model)
            entry = result_dict(result)
            if errors:
                entry["batch_errors"] = errors
            offsets[group] = fh.tell()
            fh.write(json.dumps(entry, ensure_ascii=False).encode("utf-8") + b"\n")
    summary = overall.as_dict()
    if len(per_template) > 1:
        summary["by_template"] = {name: s.as_dict() for name, s in per_template.items()}
    run = dict(run)
    run.setdefault("template", names[0] if names else None)
    run["templates"] = names
    ordered = sorted(models)
    run.setdefault("model", ordered[0] if len(ordered) == 1 else ",".join(ordered))
    head = {"run": run, "summary": summary, "load_errors": load_errors}

    def entries() -> Iterator[dict[str, Any]]:
        with flat.open("rb") as fh:
            for line in fh:
                yield json.loads(line)

    out.mkdir(parents=True, exist_ok=True)
    with (out / REPORT_NAME).open("w", encoding="utf-8") as fh:
        opening = json.dumps(head, ensure_ascii=False, indent=1)
        fh.write(opening[:-2] + ',\n "results": [')  # the head's closing "\n}" becomes the results list
        for index, line in enumerate(flat.open("rb")):
            fh.write(("\n" if index == 0 else ",\n") + line.decode("utf-8").rstrip("\n"))
        fh.write("\n ]\n}\n")

    def groups() -> Iterator[tuple[str, dict[str, dict[str, Any]]]]:
        with flat.open("rb") as fh:
            for place in range(scenarios):
                per: dict[str, dict[str, Any]] = {}
                for t in range(templates):
                    offset = offsets[t * scenarios + place]
                    if offset < 0:
                        continue
                    fh.seek(offset)
                    entry = json.loads(fh.readline())
                    per[str(entry["template"])] = entry
                if per:
                    yield str(next(iter(per.values()))["id"]), per

    with (out / "report.html").open("w", encoding="utf-8") as fh:
        for piece in iter_html(head, names, groups):
            fh.write(piece)
    (out / "report.md").write_text(render_markdown({**head, "results": entries()}), encoding="utf-8")
    flat.unlink()
    return head
