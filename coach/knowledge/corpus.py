"""Reading the guideline documents: the bundled ones (package data) or a folder of .txt/.md files.

Every failure is a ConfigError that names the file: a missing or unreadable folder, a binary or
non-UTF-8 file, a folder without a usable document. Never a silently empty corpus.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from coach.errors import ConfigError

SUFFIXES = (".txt", ".md")
MAX_FILE_BYTES = 5_000_000
_DOC_PREFIX = re.compile(r"^(\d{3})(?:\D|$)")


@dataclass(frozen=True)
class Document:
    source: str  # file name
    code: str  # the 3-digit prefix of the name, or a stable short hash of the name
    raw: str


def doc_code(name: str) -> str:
    """'000_x.txt' -> '000'; a name without a 3-digit prefix gets 'h' + 6 hex digits of its hash."""
    m = _DOC_PREFIX.match(name)
    if m:
        return m.group(1)
    return "h" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:6]


def decode(name: str, data: bytes) -> str:
    """UTF-8 text of a file, or a ConfigError naming it (binary, other encodings)."""
    if b"\x00" in data[:8192]:
        raise ConfigError(f"guideline file {name} is binary, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"guideline file {name} is not valid UTF-8 (byte {exc.start})") from exc
    return text


def bundled_documents() -> list[Document]:
    root = resources.files("coach").joinpath("data", "guidelines")
    docs = [
        Document(entry.name, doc_code(entry.name), decode(entry.name, entry.read_bytes()))
        for entry in sorted(root.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(SUFFIXES)
    ]
    if not docs:
        raise ConfigError("the bundled guidelines are missing from the installed package")
    return docs


def folder_documents(folder: Path) -> list[Document]:
    folder = Path(folder).expanduser()
    if not folder.exists():
        raise ConfigError(f"guidelines folder {folder} does not exist")
    if not folder.is_dir():
        raise ConfigError(f"guidelines folder {folder} is not a folder")
    try:
        paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES and not p.name.startswith("."))
    except OSError as exc:
        raise ConfigError(f"guidelines folder {folder} cannot be read: {exc.strerror or exc}") from exc
    if not paths:
        raise ConfigError(f"guidelines folder {folder} holds no .txt or .md file")
    docs: list[Document] = []
    codes: dict[str, str] = {}
    for path in paths:
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise ConfigError(f"guideline file {path} is larger than {MAX_FILE_BYTES} bytes")
            data = path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"guideline file {path} cannot be read: {exc.strerror or exc}") from exc
        code = doc_code(path.name)
        if code in codes:  # two files with the same 3-digit prefix: fall back to hashes for the second
            code = "h" + hashlib.sha1(path.name.encode("utf-8")).hexdigest()[:6]
        codes[code] = path.name
        docs.append(Document(path.name, code, decode(str(path), data)))
    return docs
