"""Chunking of a cleaned document into passages along its own structure.

A passage's title is the document's title (its title line, else one made from the file's name)
and its nearest heading; a document with neither leaves its passages untitled rather than naming
them all after its first sentence.

Sections start at headings ("一.", "二、", "1." lines that are short, or a short stand-alone line
between blank lines); inside a section, paragraphs are packed into passages of about MIN_CHARS to
MAX_CHARS characters, a longer paragraph is cut at Chinese sentence ends (。！？；). A passage never
spans two sections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MIN_CHARS = 80
TARGET_CHARS = 260  # packing stops here once a passage has MIN_CHARS: finer passages rank better
MAX_CHARS = 400
TAIL_SLACK = 60  # a last short piece may make its neighbour this much longer than MAX_CHARS

_NUMBERED = re.compile(r"^(?:[一二三四五六七八九十]{1,3}\s*[.、．]|\d{1,2}\s*[.、．](?!\d)|[(（][一二三四五六七八九十\d]{1,2}[)）])\s*\S")
_SENTENCE = re.compile(r"[^。！？；!?;…]*(?:[。！？；!?;]+[”」’』)）]?|…+|$)")
_PUNCT_INSIDE = re.compile(r"[。，,：:；;！!]")


@dataclass(frozen=True)
class Chunk:
    """One passage before it gets its id: the section it sits in, its text, its place."""

    title: str
    text: str
    position: int


def _is_heading(line: str, blank_before: bool, blank_after: bool) -> bool:
    if len(line) > 30 or "。" in line:
        return False
    if _NUMBERED.match(line):
        return True
    # An unnumbered heading stands alone between blank lines and reads like a title.
    return blank_before and blank_after and len(line) <= 20 and not _PUNCT_INSIDE.search(line[:-1])


def split_sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.findall(text) if s.strip()]


def _pieces(paragraph: str) -> list[str]:
    """A paragraph as pieces of at most MAX_CHARS, cut at sentence ends (or hard, as a last resort)."""
    if len(paragraph) <= TARGET_CHARS:
        return [paragraph]
    pieces: list[str] = []
    current = ""
    for sentence in split_sentences(paragraph):
        while len(sentence) > MAX_CHARS:  # one endless sentence: cut it at a comma, else hard
            cut = max(sentence.rfind(c, 0, MAX_CHARS) for c in ",，、") + 1 or MAX_CHARS
            head, sentence = sentence[:cut], sentence[cut:]
            if current:
                pieces.append(current)
                current = ""
            pieces.append(head)
        if current and len(current) + len(sentence) > TARGET_CHARS and len(current) >= MIN_CHARS:
            pieces.append(current)
            current = ""
        current += sentence
    if current:
        pieces.append(current)
    return pieces


def _pack(pieces: list[str]) -> list[str]:
    """Greedy packing of paragraph pieces into passages of MIN_CHARS..MAX_CHARS characters."""
    out: list[str] = []
    current = ""
    for piece in pieces:
        too_long = len(current) + 1 + len(piece) > MAX_CHARS
        if current and (too_long or (len(current) >= MIN_CHARS and len(current) + 1 + len(piece) > TARGET_CHARS)):
            out.append(current)
            current = piece
        else:
            current = f"{current}\n{piece}" if current else piece
    if current:
        if out and len(current) < MIN_CHARS and len(out[-1]) + 1 + len(current) <= MAX_CHARS + TAIL_SLACK:
            out[-1] = f"{out[-1]}\n{current}"
        else:
            out.append(current)
    return out


def _sections(text: str, doc_title: str) -> list[tuple[str, list[str]]]:
    lines = text.split("\n")
    sections: list[tuple[str, list[str]]] = [(doc_title, [])]
    for i, line in enumerate(lines):
        if not line:
            continue
        blank_before = i == 0 or not lines[i - 1]
        blank_after = i + 1 >= len(lines) or not lines[i + 1]
        if _is_heading(line, blank_before, blank_after):
            sections.append((line, []))
        else:
            sections[-1][1].append(line)
    # A heading right above another heading joins its title ("一、总则 1.开场"); a heading with
    # nothing at all below it (the last line) is text after all.
    merged: list[tuple[str, list[str]]] = [sections[0]]
    pending = ""
    for title, paras in sections[1:]:
        title = f"{pending} {title}" if pending else title
        pending = ""
        if paras:
            merged.append((title, paras))
        else:
            pending = title
    if pending:
        merged[-1][1].append(pending)
    return [(title, paras) for title, paras in merged if paras]


TITLE_CHARS = 40
TITLE_JOIN = " › "  # between the document's title and the passage's nearest heading
_TITLE_LINE_END = re.compile(r"[。；;,，、]$")


def document_title(text: str) -> str | None:
    """The document's title line: a short first line that is not a sentence of the body. None
    when the document opens with its body (its first sentence is not a title)."""
    first = text.split("\n", 1)[0].strip()
    if len(first) <= TITLE_CHARS and not _TITLE_LINE_END.search(first):
        return first
    return None


_MARKUP = re.compile(r"(?:^|(?<=\s))(?:#{1,6}|-{3,}|\*{3,}|_{3,})(?=\s|$)|\*\*")


def plain_title(title: str) -> str:
    """A heading without its Markdown marks ("# ", "**", a "---" rule merged into it)."""
    return " ".join(_MARKUP.sub(" ", title).split())


def passage_title(doc_title: str, heading: str) -> str:
    """What an agent reads above a passage: the document, then the nearest heading."""
    doc_title, heading = plain_title(doc_title), plain_title(heading)
    if doc_title and heading and heading != doc_title:
        return f"{doc_title}{TITLE_JOIN}{heading}"
    return heading or doc_title


def heading_of(title: str) -> str:
    """The nearest heading of a passage title (what the index reads beside the text: a document's
    title repeated over all its passages would only blur the ranking)."""
    return title.rsplit(TITLE_JOIN, 1)[-1]


def chunk_text(text: str, name_title: str = "") -> list[Chunk]:
    """Passages of one cleaned document, in reading order, positions 0..n-1. `name_title` stands
    for the document's title when it has no title line (a title made from the file's name)."""
    if not text.strip():
        return []
    title = document_title(text)
    if title is not None:
        text = text.split("\n", 1)[1] if "\n" in text else ""
    doc_title = title or name_title
    chunks: list[Chunk] = []
    for heading, paragraphs in _sections(text, ""):
        pieces = [p for para in paragraphs for p in _pieces(para)]
        for passage in _pack(pieces):
            chunks.append(Chunk(title=passage_title(doc_title, heading), text=passage, position=len(chunks)))
    return chunks
