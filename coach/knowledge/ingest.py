"""Documents -> passages: clean, chunk, give each passage its stable id."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from coach.errors import ConfigError
from coach.knowledge.chunk import chunk_text
from coach.knowledge.clean import clean_text
from coach.knowledge.corpus import Document
from coach.types import Passage

log = logging.getLogger("coach.knowledge")


def passage_id(code: str, position: int) -> str:
    return f"p-{code}-{position:03d}"


_NAME_NOISE = re.compile(r"^\d{1,4}(?=[_\-. ])|[0-9a-f]{8,}|\.[A-Za-z0-9]+$")
_NAME_SEPARATORS = re.compile(r"[_\-.\s]+")
_WORDISH = re.compile(r"[A-Za-z\u3400-\u9fff]{2,}")


def name_title(source: str) -> str:
    """A title from a file's name: 'returns_refunds.md' -> 'returns refunds', '退货流程.txt' ->
    '退货流程'; '' for a name with no words ('001_207afece498790e7.txt')."""
    stem = _NAME_SEPARATORS.sub(" ", _NAME_NOISE.sub("", source)).strip()
    return stem if _WORDISH.search(stem) else ""


def document_passages(doc: Document) -> list[Passage]:
    return [
        Passage(id=passage_id(doc.code, c.position), source=doc.source, title=c.title, text=c.text, position=c.position)
        for c in chunk_text(clean_text(doc.raw), name_title(doc.source))
    ]


def build_passages(docs: Sequence[Document]) -> list[Passage]:
    """All passages of the documents, in document order. A document that cleans down to nothing is
    skipped with a warning; a corpus that leaves no passage at all is a ConfigError."""
    passages: list[Passage] = []
    for doc in docs:
        found = document_passages(doc)
        if not found:
            log.warning("guideline file %s holds no usable text after cleaning; skipped", doc.source)
        passages.extend(found)
    if not passages:
        names = ", ".join(d.source for d in docs[:5])
        raise ConfigError(f"the guideline files hold no usable text after cleaning: {names}")
    return passages
