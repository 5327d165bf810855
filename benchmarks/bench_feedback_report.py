"""`coach feedback report` over 1,000,000 feedback rows in PostgreSQL (issue 14: under 2 s).

Starts a throwaway PostgreSQL cluster on loopback (benchmarks/pg_cluster.py, server defaults apart
from fsync off for the load), migrates a database with `coach db upgrade`'s code, loads distinct
rows over 90 days with COPY: 1,000,000 verdicts (accepted, edited with their edit distance,
rejected; realistic suggestion, final-text and conversation widths) and 800,000 suggestion
responses (1 to 3 suggestions each), spread over 4 template versions, 3 models, 6 strategies,
3 locales and 5 % degraded. Then VACUUM ANALYZE (what autovacuum does after a bulk load) and the
report over the whole 90 days and over the last 30, each timed `--repeat` times: its two queries
side by side (the command's way) and one after the other. Prints the numbers; exits 1 when the median
whole-range report takes 2 s or more.

    python benchmarks/bench_feedback_report.py [--rows 1000000] [--responses 800000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pg_cluster import ThrowawayCluster  # noqa: E402

FLOOR_S = 2.0
LAST_DAY = date(2025, 6, 30)
DAYS = 90
TEMPLATES = ("reply@v1", "reply@v2", "reply@v3", "reply@v4")
MODELS = ("qwen2.5-14b-instruct", "gpt-4o-mini", "offline")
STRATEGIES = ("calm_and_help", "focus_on_problem", "hold_offer_propose_callback", "open_ticket_follow_up",
              "first_offer", "raise_once")
LOCALES = ("zh-CN", "zh-TW", "en")
PHRASES = ("非常理解您的心情", "我马上为您核实订单", "今天下午三点前给您回电", "这边先为您申请补偿",
           "請您稍等，我幫您查詢", "I will check the parcel right away", "we will call you back today")


def moment(rnd: random.Random) -> datetime:
    start = datetime.combine(LAST_DAY - timedelta(days=DAYS - 1), datetime.min.time(), UTC)
    return start + timedelta(seconds=rnd.randrange(DAYS * 86_400))


def dims(rnd: random.Random) -> tuple[str, str, str, str, bool]:
    return (rnd.choice(TEMPLATES), rnd.choice(MODELS), rnd.choice(STRATEGIES), rnd.choice(LOCALES), rnd.random() < 0.05)


def load(url: str, rows: int, responses: int, seed: int = 14) -> float:
    import psycopg

    rnd = random.Random(seed)
    started = time.perf_counter()
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy("COPY suggestions_shown (created_at, request_id, shown, template, model, strategy, locale, degraded) "
                      "FROM STDIN") as copy:
            for i in range(responses):
                copy.write_row((moment(rnd), f"req-{i:07d}", rnd.randint(1, 3), *dims(rnd)))
        with cur.copy("COPY feedback (created_at, verdict, suggestion, suggestion_index, final_text, request_id, "
                      "conversation_json, source, degraded, template, model, agent_id, strategy, locale, edit_distance, "
                      "edit_ratio) FROM STDIN") as copy:
            for i in range(rows):
                suggestion = f"{rnd.choice(PHRASES)}，{rnd.choice(PHRASES)}（{i}）"
                kind = rnd.random()
                if kind < 0.5:
                    verdict, final, distance = "accepted", None, 0
                elif kind < 0.8:
                    verdict, final = "edited", f"{suggestion}，{rnd.choice(PHRASES)}"
                    distance = len(final) - len(suggestion)
                else:
                    verdict, final, distance = "rejected", None, None
                ratio = None if distance is None else round(distance / max(len(suggestion), len(final or suggestion)), 4)
                conversation = json.dumps({"turns": [{"role": "customer", "text": f"{rnd.choice(PHRASES)}？订单{i}"}]},
                                          ensure_ascii=False) if rnd.random() < 0.7 else None
                template, model, strategy, locale, degraded = dims(rnd)
                copy.write_row((moment(rnd), verdict, suggestion, rnd.randint(0, 2), final, f"req-{rnd.randrange(responses):07d}",
                                conversation, "llm", degraded, template, model, f"agent-{rnd.randrange(3000)}",
                                strategy, locale, distance, ratio))
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE feedback")
        conn.execute("VACUUM ANALYZE suggestions_shown")
    return time.perf_counter() - started


def time_reports(engine, span, repeat: int, parallel: bool) -> tuple[list[float], dict[str, float], object]:  # noqa: ANN001
    from coach.feedback.report import build_report

    seconds, report = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        report = build_report(engine, span, parallel=parallel)
        seconds.append(time.perf_counter() - started)
    assert report is not None
    return seconds, dict(report.query_ms), report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--responses", type=int, default=800_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from sqlalchemy import text

    from coach.db import make_engine, parse_database, upgrade
    from coach.feedback.report.model import make_range

    cluster = ThrowawayCluster.start_new()
    try:
        url = cluster.create_database("coach")
        target = parse_database(url)
        engine = make_engine(target)
        upgrade(engine, target)
        took = load(url, args.rows, args.responses)
        with engine.connect() as conn:
            counts = conn.execute(text("SELECT (SELECT count(*) FROM feedback), (SELECT count(*) FROM suggestions_shown), "
                                       "pg_size_pretty(pg_total_relation_size('feedback')), version()")).one()
        print(f"loaded {counts[0]:,} feedback rows and {counts[1]:,} suggestion responses in {took:.1f} s "
              f"(feedback table with indexes: {counts[2]}); {counts[3].split(',')[0]}")
        whole = make_range((LAST_DAY - timedelta(days=DAYS - 1)).isoformat(), LAST_DAY.isoformat())
        recent = make_range((LAST_DAY - timedelta(days=29)).isoformat(), LAST_DAY.isoformat(), "+08:00")
        time_reports(engine, whole, 1, True)  # a first run reads the tables into memory, as any report after the first
        medians = {}
        for label, span, parallel in (("90 days, both queries side by side", whole, True),
                                      ("90 days, one query after the other", whole, False),
                                      ("30 days at +08:00, side by side", recent, True)):
            seconds, views, report = time_reports(engine, span, args.repeat, parallel)
            medians[label] = statistics.median(seconds)
            print(f"{label}: median {medians[label]:.3f} s, min {min(seconds):.3f}, max {max(seconds):.3f} "
                  f"({args.repeat} runs; shown {report.totals.shown:,}, verdicts "
                  f"{report.totals.used + report.totals.rejected:,})")
            print("  per query (last run, ms): " + ", ".join(f"{k} {v:.0f}" for k, v in views.items()))
        with engine.connect() as conn:
            load_average = conn.execute(text("SELECT 1")).scalar() and open("/proc/loadavg").read().split()[:3]
        print(f"load average at the end: {' '.join(load_average)} (2 cores)")
        engine.dispose()
    finally:
        cluster.destroy()
    verdict = medians["90 days, both queries side by side"]
    print(f"floor: the whole-range report under {FLOOR_S:.0f} s: {'PASS' if verdict < FLOOR_S else 'FAIL'} ({verdict:.3f} s)")
    return 0 if verdict < FLOOR_S else 1


if __name__ == "__main__":
    sys.exit(main())
