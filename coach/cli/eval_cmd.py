"""`coach eval run` and `coach eval compare`: scenario sets through the pipeline, and run diffs."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from coach.evaluation.latency import DEFAULT_MARGIN, LatencyMargin, parse_margin


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="run scenario sets and compare runs",
                       description="Offline evaluation of prompt templates over scenario sets.")
    eval_sub = p.add_subparsers(dest="eval_command", required=True, metavar="SUBCOMMAND")

    run = eval_sub.add_parser("run", help="run scenario files/folders and write a report")
    run.add_argument("scenarios", nargs="+", metavar="SCENARIOS", help="scenario files (.yaml/.json) or folders")
    run.add_argument("--template", action="append", default=[], metavar="NAME@VER",
                     help="template to run; repeat for a side-by-side matrix (default: the newest reply template)")
    run.add_argument("--backend", choices=("offline", "openai"), default=None,
                     help="drafting backend (default: COACH_BACKEND, i.e. openai when an endpoint is configured)")
    run.add_argument("--out", type=Path, default=None, metavar="DIR",
                     help="where report.json, report.html and report.md go (default: runs/<timestamp>)")
    run.add_argument("--concurrency", type=int, default=8, metavar="N", help="scenarios in flight at once (default 8)")
    run.add_argument("--repeat", type=int, default=1, metavar="N", help="run each scenario N times (pass^N)")
    run.add_argument("--no-cache", action="store_true", help="bypass the disk cache of LLM responses")
    run.add_argument("--judge", action="store_true", help="score replies with an LLM judge (rubric + fixed criteria)")
    run.add_argument("--judge-model", default=None, metavar="MODEL", help="judge model (default: COACH_MODEL)")
    run.add_argument("--retrieval", choices=("auto", "lexical"), default="auto",
                     help="auto: the service's retrieval as configured (COACH_RETRIEVAL, hybrid by default); "
                          "lexical: BM25 only, much cheaper per scenario (quick iterations, benchmarks)")
    run.add_argument("--only", action="append", default=[], metavar="GLOB",
                     help="run only scenarios whose id matches (e.g. 'comp-*'); repeatable")
    run.add_argument("--tag", action="append", default=[], metavar="TAG",
                     help="run only scenarios carrying this tag (e.g. warranty); repeatable")
    run.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    batch = run.add_argument_group("batch", "send the drafting calls through the endpoint's Batch API "
                                   "(/v1/files, /v1/batches): half the price on OpenAI, under rate limits of their own, results "
                                   "within the completion window; the run resumes with `coach eval resume DIR`")
    batch.add_argument("--batch", action="store_true", help="run through the Batch API")
    batch.add_argument("--batch-size", type=int, default=10_000, metavar="N",
                       help="requests per batch file (default 10000; OpenAI takes up to 50000 and 200 MB)")
    batch.add_argument("--batch-attempts", type=int, default=3, metavar="N",
                       help="sends of a request whose batch item failed or expired before it is given up and "
                            "reported with its scenario (default 3)")
    batch.add_argument("--batches-in-flight", type=int, default=4, metavar="N",
                       help="batches submitted and not yet finished at once (default 4)")
    batch.add_argument("--poll-interval", type=float, default=30.0, metavar="S",
                       help="seconds between looks at the running batches (default 30)")
    run.set_defaults(handler=_run)

    resume = eval_sub.add_parser("resume", help="carry on a batch run that was stopped",
                                 description="Carry on a `coach eval run --batch` that was stopped or killed: "
                                             "nothing already answered is asked for again.")
    resume.add_argument("run", metavar="RUN", help="the run's folder (its --out) or its id (a run under ./runs)")
    resume.add_argument("--poll-interval", type=float, default=None, metavar="S",
                        help="seconds between looks at the running batches (default: as the run started)")
    resume.set_defaults(handler=_resume)

    cmp = eval_sub.add_parser("compare", help="differences between two runs")
    cmp.add_argument("run_a", metavar="RUN_A", help="run folder or its report.json (the reference)")
    cmp.add_argument("run_b", metavar="RUN_B", help="run folder or its report.json (the candidate)")
    cmp.add_argument("--fail-on-regression", action="store_true",
                     help="exit 1 when a scenario that passed in RUN_A fails in RUN_B, or when RUN_B's p50 "
                          "latency is beyond --latency-margin over RUN_A's")
    cmp.add_argument("--latency-margin", type=_latency_margin, default=DEFAULT_MARGIN, metavar="RATIO,MS",
                     help="a p50 latency more than RATIO times and more than MS milliseconds above RUN_A's is a "
                          f"regression (default {DEFAULT_MARGIN.ratio:g},{DEFAULT_MARGIN.extra_ms:g}); "
                          "'off' to compare replies only, e.g. against a run timed on another machine")
    cmp.add_argument("--json", action="store_true", help="print the comparison as JSON")
    cmp.set_defaults(handler=_compare)


def _latency_margin(text: str) -> LatencyMargin | None:
    from coach.errors import InvalidInput

    try:
        return parse_margin(text)
    except InvalidInput as exc:  # argparse prints it as "argument --latency-margin: ..." and exits 2
        raise argparse.ArgumentTypeError(exc.message.removeprefix("--latency-margin: ")) from None


def _run(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    from coach.config import Settings
    from coach.evaluation.session import EvalOptions, run_eval

    out = args.out or Path("runs") / datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    if args.batch:
        return _run_batch(args, out)
    options = EvalOptions(
        paths=args.scenarios, out=out, templates=args.template, backend=args.backend,
        concurrency=args.concurrency, repeat=args.repeat, use_cache=not args.no_cache,
        judge=args.judge, judge_model=args.judge_model, progress=not args.no_progress,
        retrieval=args.retrieval, only=args.only, tags=args.tag,
    )
    return run_eval(options, Settings())


def _run_batch(args: argparse.Namespace, out: Path) -> int:
    from coach.config import Settings
    from coach.evaluation.batch.session import BatchOptions, start_batch

    if args.backend == "offline":
        print("coach eval: --batch sends the drafting calls to an LLM endpoint; it cannot run with --backend offline",
              file=sys.stderr)
        return 2
    if args.judge:
        print("coach eval: --judge is not available with --batch yet; judge the run live afterwards", file=sys.stderr)
        return 2
    if args.poll_interval <= 0 or args.batches_in_flight < 1:
        print("coach eval: --poll-interval must be above 0 and --batches-in-flight at least 1", file=sys.stderr)
        return 2
    options = BatchOptions(
        paths=tuple(args.scenarios), out=out, templates=tuple(args.template), repeat=args.repeat,
        concurrency=args.concurrency, use_cache=not args.no_cache, retrieval=args.retrieval, only=tuple(args.only),
        tags=tuple(args.tag), max_attempts=args.batch_attempts, max_in_flight=args.batches_in_flight,
        poll_s=args.poll_interval, chunk_requests=args.batch_size,
    )
    return start_batch(options, Settings())


def _resume(args: argparse.Namespace) -> int:
    from coach.config import Settings
    from coach.evaluation.batch.session import resume_batch

    if args.poll_interval is not None and args.poll_interval <= 0:
        print("coach eval: --poll-interval must be above 0", file=sys.stderr)
        return 2
    return resume_batch(args.run, Settings(), poll_s=args.poll_interval)


def _compare(args: argparse.Namespace) -> int:
    from coach.evaluation.compare import compare, render_text
    from coach.evaluation.report_json import load_report

    result = compare(load_report(args.run_a), load_report(args.run_b), latency_margin=args.latency_margin)
    if args.json:
        sys.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=1) + "\n")
    else:
        sys.stdout.write(render_text(result))
    return 1 if (args.fail_on_regression and result.regression) else 0
