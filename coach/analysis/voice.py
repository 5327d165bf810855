"""The customer's words turned to the agent's point of view, for restating them in a reply:
"my order" -> "your order", "you charged me" -> "we charged you", "我要的是" -> "您要的是",
"你们发错货了" -> "我们发错货了". Pure string work on one clause; None when a clause cannot be
turned safely (Chinese "我们" is the customer's household, not ours)."""

from __future__ import annotations

import re

_EN = {
    "i": "you", "me": "you", "my": "your", "mine": "yours", "myself": "yourself",
    "i'm": "you're", "i've": "you've", "i'd": "you'd", "i'll": "you'll", "im": "you're",
    "you": "we", "your": "our", "yours": "ours", "you're": "we're", "you've": "we've",
    "you'd": "we'd", "you'll": "we'll", "yourself": "ourselves", "yourselves": "ourselves",
    "am": "are", "was": "were", "wasn't": "weren't",
}
_EN_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
# After a turned subject the verb agrees: "you was" -> "you were" is handled by the table;
# "we is"/"you is" do not occur in customers' first person.


def english(clause: str) -> str:
    """The clause with first and second person swapped (see the module docstring)."""
    words = list(_EN_WORD.finditer(clause))
    out: list[str] = []
    last = 0
    for i, m in enumerate(words):
        word = m.group()
        low = word.lower()
        turned = _EN.get(low)
        if low in ("am", "was", "wasn't"):
            prev = words[i - 1].group().lower() if i else ""
            turned = _EN[low] if prev in ("i", "you") else None
        if low == "you" and i + 1 < len(words) and words[i + 1].group().lower() in ("guys", "people", "lot", "lads"):
            turned = "we"
        if low in ("guys", "people") and i and words[i - 1].group().lower() == "you":
            turned = ""
        if turned is None:
            turned = word
        out.append(clause[last:m.start()])
        out.append(turned)
        last = m.end()
    out.append(clause[last:])
    text = re.sub(r"\s{2,}", " ", "".join(out)).strip()
    if text[:1].isupper() and not text.startswith(("I ", "I'")):
        text = text[0].lower() + text[1:]
    return text


_ZH = (
    ("你们", "我们"), ("您们", "我们"), ("你", "我们"), ("您", "我们"),
)


def chinese(clause: str) -> str | None:
    """The clause with 我 -> 您 and 你/你们 -> 我们; None when it holds 我们 (whose?)."""
    if "我们" in clause or "咱" in clause:
        return None
    marked = clause
    for i, (a, _) in enumerate(_ZH):
        marked = marked.replace(a, f"\0{i}\1")
    marked = marked.replace("我", "您")
    for i, (_, b) in enumerate(_ZH):
        marked = marked.replace(f"\0{i}\1", b)
    return marked


def turn(clause: str, script: str) -> str | None:
    return english(clause) if script == "en" else chinese(clause)
