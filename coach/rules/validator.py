"""The validator: one reading of the draft (context.py), every rule over it, the failure policy.

`Validator(scorer=None)` is the lexical tier alone; with a scorer (the default: the shipped clause
heads over the multilingual encoder) both tiers run and a draft fails if either fires.
`Validator.many()` reads a batch of drafts with one encoder call for all their clauses.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from coach.protocols import Rule
from coach.rules import latin
from coach.rules.context import prefetch, read_draft
from coach.rules.registry import DEFAULT_FAILURE_POLICY, RULES, FailurePolicy, run_rules
from coach.rules.semantic.heads import ClauseScorer, Scorer
from coach.types import Locale, Policy, Turn, ValidationResult

# (draft, turns, policy, locale) or (draft, turns, policy, locale, reader_locale)
Request = tuple[str, Sequence[Turn], Policy, Locale | None] | tuple[str, Sequence[Turn], Policy, Locale | None, Locale | None]


@dataclass
class Validator:
    scorer: Scorer | None = field(default_factory=ClauseScorer)
    lexical: bool = True
    rules: Sequence[Rule] = RULES
    failure_policy: FailurePolicy = DEFAULT_FAILURE_POLICY

    def __call__(
        self,
        draft: str,
        turns: Sequence[Turn] = (),
        policy: Policy = Policy(),
        locale: Locale | None = None,
        failure_policy: FailurePolicy | None = None,
        reader_locale: Locale | None = None,
    ) -> ValidationResult:
        """`locale`: the customer's language; `reader_locale`: the language of the messages and
        hints (the agent's panel), by default the draft's."""
        ctx = read_draft(draft, turns, policy, locale, self.scorer, self.lexical, reader_locale)
        return run_rules(ctx, self.rules, failure_policy or self.failure_policy)

    def many(self, requests: Sequence[Request]) -> list[ValidationResult]:
        if self.scorer is not None and len(requests) > 1:
            prefetch(self.scorer, [(r[0], r[1]) for r in requests])
        return [self(*r[:4], reader_locale=r[4] if len(r) > 4 else None) for r in requests]

    def warm(self) -> None:
        """Load the encoder now rather than on the first draft (service start-up), and the language
        identifier beside it."""
        warm = getattr(self.scorer, "warm", None)
        with ThreadPoolExecutor(1) as pool:
            identifier = pool.submit(latin.warm)
            if warm is not None:
                warm()
            identifier.result()
