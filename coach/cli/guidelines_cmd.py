"""`coach guidelines search QUERY [-k 5] [--json]` and `coach guidelines show ID`."""

from __future__ import annotations

import argparse
import json
import sys

from coach.knowledge.query import MAX_K


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("guidelines", help="search or show guideline passages")
    gsub = p.add_subparsers(dest="guidelines_command", required=True, metavar="ACTION")

    s = gsub.add_parser("search", help="the passages that best fit a query")
    s.add_argument("query", metavar="QUERY")
    s.add_argument("-k", type=int, default=5, help=f"how many passages, 1 to {MAX_K} (default 5)")
    s.add_argument("--json", action="store_true", help='print {"passages": [...]} as JSON')
    s.set_defaults(handler=_search)

    show = gsub.add_parser("show", help="one passage by its id")
    show.add_argument("passage_id", metavar="ID")
    show.add_argument("--json", action="store_true", help="print the passage as JSON")
    show.set_defaults(handler=_show)


def _knowledge():
    from coach.config import get_settings
    from coach.knowledge import load_knowledge_base

    return load_knowledge_base(get_settings())


def _search(args: argparse.Namespace) -> int:
    from coach.knowledge.query import check_k, check_query

    check_query(args.query)  # bad input fails before the index loads
    check_k(args.k)
    from coach.knowledge.script_view import for_script
    from coach.text import detect_script

    passages = for_script(_knowledge().search(args.query, args.k), detect_script(args.query))  # the query's script
    if args.json:
        payload = {"passages": [p.model_dump() for p in passages]}
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0
    if not passages:
        print("no passage matches", file=sys.stderr)
        return 0
    for rank, p in enumerate(passages, 1):
        print(f"{rank}. {p.id}  score {p.score:.3f}  {p.source} / {p.title}")
        print("   " + p.text.replace("\n", "\n   "))
        print()
    return 0


def _show(args: argparse.Namespace) -> int:
    p = _knowledge().get(args.passage_id)
    if args.json:
        print(json.dumps(p.model_dump(exclude={"score"}), ensure_ascii=False, indent=2))
        return 0
    print(f"{p.id}  {p.source} / {p.title}  (position {p.position})")
    print(p.text)
    return 0
