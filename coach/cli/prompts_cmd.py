"""`coach prompts list` and `coach prompts render NAME@VER [FILE]`: what the model would see."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("prompts", help="list prompt templates or render one for a conversation")
    psub = p.add_subparsers(dest="prompts_command", required=True, metavar="ACTION")

    ls = psub.add_parser("list", help="the templates with their versions")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=_list)

    r = psub.add_parser(
        "render",
        help="print the exact messages a conversation produces",
        description="Renders NAME@VER for the Conversation JSON in FILE (or stdin): the situation and the "
        "retrieved passages are computed as `coach suggest` would, and the chat messages are printed.",
    )
    r.add_argument("ref", metavar="NAME@VER", help="e.g. reply@v1, repair@v1, or a name for its newest version")
    r.add_argument("file", nargs="?", type=Path, metavar="FILE", help="the conversation JSON (default: stdin)")
    r.add_argument("--draft", help="for repair templates: the rejected draft (validated to find its violations)")
    r.add_argument("--json", action="store_true", help='print {"template", "params", "messages"} as JSON')
    r.set_defaults(handler=_render)


def _list(args: argparse.Namespace) -> int:
    from coach.config import get_settings
    from coach.prompts import PromptRegistry

    registry = PromptRegistry.from_settings(get_settings())
    templates = registry.list()
    if args.json:
        rows = [{"name": t.name, "version": t.version, "ref": t.ref, "description": t.description,
                 "params": t.params} for t in templates]
        print(json.dumps({"templates": rows, "errors": sorted(registry.errors.values())}, ensure_ascii=False, indent=2))
        return 0
    for t in templates:
        print(f"{t.ref:<16} {t.description}")
    for problem in sorted(registry.errors.values()):
        print(f"error: {problem}")
    return 0


def _render(args: argparse.Namespace) -> int:
    from coach.cli.suggest_cmd import load_conversation
    from coach.config import get_settings
    from coach.knowledge import load_knowledge_base
    from coach.pipeline import RETRIEVAL_K
    from coach.prompts import PromptRegistry, build_context
    from coach.rules import validate
    from coach.analysis.situation import analyse

    settings = get_settings()
    registry = PromptRegistry.from_settings(settings)
    template = registry.get(args.ref)  # a bad name fails before the index loads
    conversation = load_conversation(args.file)
    from datetime import UTC, datetime

    from coach.prompts.notes import load_notebook, notes_folder

    situation = analyse(conversation, now=datetime.now(UTC), default_zone=settings.timezone,
                        notebook=load_notebook(notes_folder(settings.prompts_dir)))
    passages = load_knowledge_base(settings).search_turns(conversation.turns, RETRIEVAL_K)
    violations = ()
    if args.draft:
        violations = validate(args.draft, conversation.turns, conversation.policy, conversation.locale).violations
    messages = template.render(
        build_context(conversation, situation, passages, draft=args.draft, violations=violations)
    )
    if args.json:
        payload = {"template": template.ref, "params": template.params,
                   "messages": [m.model_dump() for m in messages]}
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0
    print(f"# {template.ref}  {json.dumps(template.params, ensure_ascii=False)}")
    for m in messages:
        print(f"\n===== {m.role} =====")
        print(m.content)
    return 0
