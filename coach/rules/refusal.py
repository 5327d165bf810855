"""refusal: the draft is not a reply but a refusal to engage (a model's "I can't assist with that",
"我无法继续这段对话"). The semantic head carries most of it; the few fixed formulas of model
refusals are matched literally as well."""

from __future__ import annotations

from coach.rules.base import Phrase, PhraseRule

PHRASES = (
    Phrase(r"\bi(?:'m| am) sorry,? but i (?:can't|cannot|can not|won't|am unable to|'m unable to) (?:assist|help|continue|comply|provide)\b"),
    Phrase(r"\bas an ai\b|\bas a language model\b|\bi(?:'m| am) (?:just )?an ai\b"),
    Phrase(r"\bi (?:can't|cannot|won't be able to|am unable to) (?:continue|engage in) (?:this|the) conversation\b"),
    Phrase(r"作为(?:一个|一名)?(?:ai|人工智能|语言模型|ai助手|智能助手)|(?:无法|不能)(?:再)?继续(?:这段|这个|本次|我们的)?(?:对话|聊天|会话)"),
)

REFUSAL = PhraseRule(id="refusal", phrases=PHRASES, head="refusal")
