"""`coach feedback`: what agents said about the suggestions (stored by POST /v1/feedback).

    coach feedback export [--out FILE] [--db PATH|URL] [--name NAME] [--force]
        edited and rejected cases -> a scenario set for `coach eval run` (YAML; JSON for *.json);
        never into the shipped sets (eval/scenarios/) unless --force
    coach feedback stats [--db PATH|URL]
        counts per verdict, as JSON
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
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"coach: {len(document['scenarios'])} scenario(s) written to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _stats(args: argparse.Namespace) -> int:
    counts = _store(args.db).counts()
    print(json.dumps({"counts": counts, "total": sum(counts.values())}))
    return 0
