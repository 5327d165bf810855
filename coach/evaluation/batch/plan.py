"""Which scenarios a batch run covers, in which order, read back one file at a time.

The plan is made once, when the run starts: every scenario file is read in turn, filtered
(--only, --tag), and each kept scenario gets its place in the run (duplicate ids are load errors,
as in a live run). From then on the run reads the files again one at a time, so memory holds one
scenario file, never the set. A file that changed since the plan was made stops a resume with a
clear error: the run's results would no longer be about the same scenarios.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from coach.errors import ConfigError
from coach.evaluation.batch.store import RunStore
from coach.evaluation.scenarios import LoadedScenario, LoadError, discover, load_file


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _selected(item: LoadedScenario, only: Sequence[str], tags: Sequence[str]) -> bool:
    s = item.scenario
    return ((not only or any(fnmatchcase(s.id, pattern) for pattern in only))
            and (not tags or bool(set(tags) & set(s.tags))))


@dataclass(frozen=True)
class Plan:
    files: tuple[str, ...]
    hashes: tuple[str, ...]
    scenarios: int
    errors: tuple[LoadError, ...]

    def as_dict(self) -> dict[str, object]:
        return {"files": list(self.files), "hashes": list(self.hashes), "scenarios": self.scenarios,
                "load_errors": [{"file": e.file, "line": e.line, "message": e.message} for e in self.errors]}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Plan:
        errors = tuple(LoadError(str(e["file"]), e.get("line"), str(e["message"]))  # type: ignore[union-attr,index,arg-type]
                       for e in data.get("load_errors", []))  # type: ignore[union-attr]
        return cls(files=tuple(data["files"]), hashes=tuple(data["hashes"]),  # type: ignore[arg-type]
                   scenarios=int(data["scenarios"]), errors=errors)  # type: ignore[call-overload]


def make_plan(paths: Sequence[str], store: RunStore, only: Sequence[str] = (), tags: Sequence[str] = ()) -> Plan:
    files, errors = discover(paths)
    hashes = []
    count = 0
    store.begin()
    try:
        for index, path in enumerate(files):
            hashes.append(file_hash(path))
            loaded, file_errors = load_file(path)
            errors.extend(file_errors)
            for position, item in enumerate(loaded):
                if not _selected(item, only, tags):
                    continue
                if store.add_scenario(count, item.scenario.id, index, position):
                    count += 1
                else:
                    errors.append(LoadError(item.file, item.line, f"duplicate scenario id {item.scenario.id!r}"))
        store.commit()
    except BaseException:
        store.rollback()
        raise
    return Plan(files=tuple(str(f) for f in files), hashes=tuple(hashes), scenarios=count, errors=tuple(errors))


def check_unchanged(plan: Plan) -> None:
    for name, digest in zip(plan.files, plan.hashes):
        path = Path(name)
        if not path.is_file():
            raise ConfigError(f"scenario file {name} of this run is gone; start a new run")
        if file_hash(path) != digest:
            raise ConfigError(f"scenario file {name} changed since this run started; start a new run")


def planned(plan: Plan, store: RunStore,
            wanted: Callable[[int, int], bool] | None = None) -> Iterator[tuple[int, LoadedScenario]]:
    """(place in the run, scenario), in plan order, one file in memory at a time. `wanted(first,
    last)` (places of a file's scenarios, which are consecutive) may skip a file without reading it."""
    for index, name in enumerate(plan.files):
        kept = store.kept_in_file(index)
        if not kept or (wanted is not None and not wanted(min(kept.values()), max(kept.values()))):
            continue
        loaded, _ = load_file(Path(name))
        for position, item in enumerate(loaded):
            place = kept.get(position)
            if place is not None:
                yield place, item
