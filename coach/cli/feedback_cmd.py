"""`coach feedback`: what agents said about the suggestions (stored by POST /v1/feedback).

    coach feedback export [--out FILE] [--db PATH|URL] [--name NAME] [--force]
        edited and rejected cases -> a scenario set for `coach eval run` (YAML; JSON for *.json);
        never into the shipped sets (eval/scenarios/) unless --force
    coach feedback stats [--db PATH|URL]
        counts per verdict, as JSON
    coach feedback report [--db PATH|URL] [--from DATE] [--to DATE] [--utc-offset +08:00] [--json] [--out DIR]
        shown, used, accepted, edited, rejected, the rates and the edit distance over a date range,
        broken down by template, model, strategy, locale and degraded, and per day; --out DIR
        writes feedback.json and feedback.html there (beside an eval run's report)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("feedback", help="export or count agents' feedback on suggestions")
    inner = p.add_subparsers(dest="feedback_command", required=True, metavar="ACTION")

    export = inner.add_parser("export", help="edited and rejected cases -> a scenario file for `coach eval run`")
    export.add_argument("--out", help="file to write (.yaml/.yml or .json), e.g. runs/feedback.yaml; "
                                      "default stdout (YAML). Refused inside the shipped scenario sets "
                                      "(eval/scenarios/) unless --force")
    export.add_argument("--force", action="store_true",
                        help="write --out even inside the shipped scenario sets (then regenerate the baseline)")
    export.add_argument("--db", help="feedback database: SQLite file or postgresql:// URL (default: COACH_DATABASE)")
    export.add_argument("--name", default="feedback", help="name of the scenario set (default: feedback)")
    export.set_defaults(handler=_export)

    stats = inner.add_parser("stats", help="how many suggestions were accepted, edited, rejected")
    stats.add_argument("--db", help="feedback database: SQLite file or postgresql:// URL (default: COACH_DATABASE)")
    stats.set_defaults(handler=_stats)

    report = inner.add_parser("report", help="what agents did with the suggestions, over a date range")
    report.add_argument("--db", help="feedback database: SQLite file or postgresql:// URL (default: COACH_DATABASE)")
    report.add_argument("--from", dest="first", metavar="DATE", help="first day, YYYY-MM-DD (default: 29 days before --to)")
    report.add_argument("--to", dest="last", metavar="DATE", help="last day, included (default: today)")
    report.add_argument("--utc-offset", default="+00:00",
                        help="the time zone of the days, as an offset from UTC (default +00:00; e.g. +08:00)")
    report.add_argument("--json", action="store_true", help="print the report as JSON instead of a table")
    report.add_argument("--out", type=Path, metavar="DIR",
                        help="also write DIR/feedback.json and DIR/feedback.html (e.g. an eval run's folder)")
    report.set_defaults(handler=_report)


def _store(db: str | None):  # noqa: ANN202 - imported lazily to keep `coach --help` fast
    """A store for reading: a missing SQLite file is an error, not a new empty database."""
    from coach.config import get_settings
    from coach.db.url import parse_database
    from coach.feedback import FeedbackStore

    target = parse_database(db, setting="--db") if db is not None else parse_database(get_settings().database)
    return FeedbackStore(target, create_if_empty=False)


def _export(args: argparse.Namespace) -> int:
    from coach.evaluation.scenarios import ScenarioSet
    from coach.evaluation.shipped import refuse_shipped_sets
    from coach.feedback import dump_scenarios, scenarios_from_feedback

    if args.out and not args.force:  # before reading anything: nothing is written there by accident
        refuse_shipped_sets(args.out, option="--out", example="runs/feedback.yaml")
    store = _store(args.db)
    document, skipped = scenarios_from_feedback(store.entries(("edited", "rejected")), name=args.name)
    if skipped:
        print(f"coach: {skipped} case(s) skipped: sent without their conversation", file=sys.stderr)
    if not document["scenarios"]:
        print("coach: no edited or rejected case to export", file=sys.stderr)
        return 1
    ScenarioSet.model_validate(document)  # what we write, `coach eval run` must load
    text = dump_scenarios(document, args.out)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)  # "runs/feedback.yaml" on a fresh checkout
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"coach: {len(document['scenarios'])} scenario(s) written to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _stats(args: argparse.Namespace) -> int:
    counts = _store(args.db).counts()
    print(json.dumps({"counts": counts, "total": sum(counts.values())}))
    return 0


def _report(args: argparse.Namespace) -> int:
    from coach.feedback.report import build_report
    from coach.feedback.report.html import render_html
    from coach.feedback.report.model import make_range
    from coach.feedback.report.text import render_text
    from coach.feedback.store import guarded

    span = make_range(args.first, args.last, args.utc_offset)  # bad dates fail before any connection
    store = _store(args.db)
    try:
        store.check()
        with guarded(store.target, "report"):
            report = build_report(store.engine, span, database=store.shown)
    finally:
        store.dispose()
    document = report.model_dump(mode="json")
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "feedback.json").write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        (args.out / "feedback.html").write_text(render_html(report), encoding="utf-8")
        print(f"coach: feedback report written to {args.out / 'feedback.html'} and feedback.json", file=sys.stderr)
    sys.stdout.write(json.dumps(document, ensure_ascii=False) + "\n" if args.json else render_text(report))
    return 0
