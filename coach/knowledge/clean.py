"""Cleaning of scraped guideline pages: pure text in, readable text out.

What goes, in this order:
1. non-breaking and other exotic spaces, HTML tag and style residue;
2. the pinyin annotations one site put after every converted character ("服務(wù)");
3. fragments garbled by a one-byte misalignment of GBK text; they are repaired from their bytes
   ("淖鳂I" -> "作業", "??蛻?/span>" -> "常客戶"; the kinds of repair are in
   `coach.knowledge.garbled`), or dropped when the bytes do not read as prose;
4. stray "?" runs (placeholders of lost spaces);
5. boilerplate lines (navigation, "related reading" lists, footers, comment widgets), see
   `coach.knowledge.boilerplate`;
6. text that repeats earlier text of the same document (a repeated paragraph, or a pasted copy of
   an earlier sentence run inside a later one).

The script is kept (Traditional stays Traditional); indexing normalises to Simplified elsewhere.
Paragraph breaks survive as newlines, blank lines as one empty line (the chunker reads them).
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from coach.knowledge import garbled
from coach.knowledge.boilerplate import drop_boilerplate
from coach.knowledge.garbled import TextScorer
from coach.knowledge.piece_lm import shipped_scorer
from coach.text import to_simplified, to_traditional
from coach.knowledge.repeats import repeated_mask

# Lowercase pinyin letters, with or without tone marks.
_PY = "a-z\u00e0-\u00fc\u0101-\u017e\u01ce-\u01dc"
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_CHAR = re.compile(f"[{_HAN}]")
# A syllable has a vowel; at most six letters ("zhuang", "shuang").
_SYLLABLE = rf"(?=[{_PY}]*[aeiouv\u00e0-\u00fc\u0101-\u016b\u01ce-\u01dc])[{_PY}]{{1,6}}"

_SPACES = re.compile(r"[\u00a0\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff\t]")
_TAGS = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>\n]*)?/?>")
# Left-overs of a cut-open tag attribute, e.g. ' 3px 15px">'.
_STYLE_RESIDUE = re.compile(r"\s*(?:\d+(?:px|em|pt|%)\s*)+[\"']?>")
# A run of annotations after a Han character (a removal must not leave the next one behind).
_PINYIN = re.compile(rf"(?<=[{_HAN}])(?:[(\uff08]{_SYLLABLE}[)\uff09])+")
_ONE_ANNOTATION = re.compile(rf"[(\uff08]({_SYLLABLE})[)\uff09]")
# The shape of a real Mandarin syllable (tone marks removed, ü as v): "(ok)" or "(wechat)" after a
# Han character is a gloss, not an annotation, and stays.
_REAL_SYLLABLE = re.compile(
    r"(?:[bpmfdtnlgkhjqxrzcsyw]|zh|ch|sh)?"
    r"(?:a|o|e|i|u|v|ai|ei|ao|ou|an|en|ang|eng|ong|er|ia|ie|iao|iu|ian|in|iang|ing|iong"
    r"|ua|uo|uai|ui|uan|un|uang|ue|ve|van|vn)"
)
_TONELESS = str.maketrans(
    "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü", "aaaaeeeeiiiioooouuuuvvvvv"
)

# A misaligned fragment: "?" glued to a Han character (or to an annotation), maybe the tail of a lost
# annotation, a run of non-ASCII characters, and then the orphaned last byte: an ASCII letter glued
# before a Han character or an annotation ("...竭M行", "...鳂I(yè)"), or a "?" before a tag remnant
# ("...蛻?/span>").
_GARBLED = re.compile(
    rf"(?<=[{_HAN})])(?P<marks>\?+)(?:{_SYLLABLE}\))?"
    rf"(?P<run>[^\x00-\x7f\s]{{1,80}}?)"
    rf"(?:(?P<last>[A-Za-z])(?:[(]{_SYLLABLE}[)]|(?=[{_HAN}]))|(?P<tag>\?/[a-z]+>))"
)
_LEADING_JUNK = re.compile(r"^[ ?]+", re.MULTILINE)
_QMARK_BEFORE_QUOTE = re.compile(rf"(?<=[{_HAN}])\?+(?=[\u201c\u300c])")
_SPACE_RUNS = re.compile(r"[ ]{2,}")
_BLANKS = re.compile(r"\n\s*\n+")


def _keep_gloss(m: re.Match[str]) -> str:
    return "" if _REAL_SYLLABLE.fullmatch(m.group(1).translate(_TONELESS)) else m.group(0)


@lru_cache(maxsize=8192)
def _without_syllables(run: str) -> str:
    """A run of annotations without its real syllables (a table of syllable runs: a page repeats
    "(wù)" and "(lǐng)" hundreds of times, each worked out once)."""
    return _ONE_ANNOTATION.sub(_keep_gloss, run)


def _drop_annotation(match: re.Match[str]) -> str:
    """Each annotation of the run goes when it is a real syllable; a gloss like "(ok)" stays."""
    return _without_syllables(match.group(0))


def _drop_annotations(text: str) -> str:
    return _PINYIN.sub(_drop_annotation, text)


def _repairer(text: str, lm: TextScorer):  # noqa: ANN202 - a re.sub callback
    # A page that writes its commas in ASCII gets its repaired commas in ASCII too.
    ascii_commas = "\uff0c" not in text and "," in text
    seen = Counter(text)
    traditional = _traditional_page(seen)

    def repair_match(match: re.Match[str]) -> str:
        """The run as written (see `coach.knowledge.garbled`); when its bytes do not read as
        prose, it is dropped if a tag remnant marks it as garbage, else left alone: better an odd
        character than a lost sentence."""
        found = garbled.Garbled(
            question_marks=len(match.group("marks")), run=match.group("run"), last=match.group("last") or "",
            before=text[max(0, match.start() - garbled.CONTEXT):match.start()],
            after=text[match.end():match.end() + garbled.CONTEXT], seen=seen,
            traditional=traditional,
        )
        fixed = garbled.repair(found, lm)
        if fixed is None:
            return "" if match.group("tag") else match.group(0)
        return fixed.replace("\uff0c", ",") if ascii_commas else fixed

    return repair_match


@lru_cache(maxsize=65536)
def _char_script(c: str) -> int:
    """1 for a Traditional-only Han character, -1 for a Simplified-only one, 0 otherwise (a table
    of the characters, worked out once each)."""
    if not _HAN_CHAR.fullmatch(c):
        return 0
    if to_simplified(c) != c:
        return 1
    return -1 if to_traditional(c) != c else 0


def _traditional_page(seen: Counter[str]) -> bool:
    """The page is written in Traditional: more of its distinct Han characters are Traditional-only
    than Simplified-only (detect_script's rule, read character by character)."""
    marks = [_char_script(c) for c in seen]
    traditional = marks.count(1)
    return traditional > 0 and traditional >= marks.count(-1)


def _strip_repeats(lines: list[str]) -> list[str]:
    """Drop every span of >= K characters that already appeared in an earlier line."""
    out: list[str] = []
    for line, mask in zip(lines, repeated_mask(lines)):
        if mask is None:
            out.append(line)
        else:
            kept = "".join(ch for ch, c in zip(line, mask.tolist()) if not c)
            out.append(_trim_dangling(kept))  # "" when nothing is left
    return out


_SENTENCE_END = "。！？；!?;…"


def _trim_dangling(text: str) -> str:
    """After a cut, a short clause fragment left at the end is noise: cut it back to a sentence end."""
    text = text.strip(" ,，、")
    tail = max(text.rfind(ch) for ch in _SENTENCE_END)
    if 0 <= tail < len(text) - 1 and len(text) - tail - 1 < 8:
        return text[: tail + 1]
    return text if len(text) >= 4 else ""


def clean_text(raw: str, lm: TextScorer | None = None) -> str:
    """Clean one scraped document (see the module doc). Pure; about 2-3 M characters/s. `lm`
    chooses among the readings of a garbled run (default: the e5 vocabulary's piece model, read
    only when a document has such a run)."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES.sub(" ", text)
    # Each pattern runs only when its anchor character occurs: most documents need few of them.
    if ">" in text:
        text = _TAGS.sub("", text)
        text = _STYLE_RESIDUE.sub("", text)
    if "?" in text:
        if _GARBLED.search(text):
            text = _GARBLED.sub(_repairer(text, lm or shipped_scorer()), text)
    if "(" in text or "\uff08" in text:
        text = _drop_annotations(text)
    if "?" in text:
        text = _LEADING_JUNK.sub("", text)
        text = _QMARK_BEFORE_QUOTE.sub("", text)
    if "  " in text:
        text = _SPACE_RUNS.sub(" ", text)
    lines = [ln.strip() for ln in text.split("\n")]
    lines = _strip_repeats(drop_boilerplate(lines))
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()
