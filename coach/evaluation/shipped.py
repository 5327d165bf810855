"""The shipped scenario sets: `eval/scenarios/` beside `eval/baselines/`, whose pinned runs cover
exactly the files in it. A file written there (a feedback export, say) makes the baseline test fail
and joins every `coach eval run eval/scenarios/`, so commands that write scenario files ask first.
"""

from __future__ import annotations

from pathlib import Path

from coach.errors import ProtectedPath

SHIPPED_SETS = Path("eval") / "scenarios"


def shipped_sets_folder(path: str | Path) -> Path | None:
    """The shipped scenario folder `path` lies in (at any depth), or None."""
    target = Path(path).resolve()
    for folder in (target, *target.parents):
        if (folder.name == SHIPPED_SETS.name and folder.parent.name == SHIPPED_SETS.parent.name
                and (folder.parent / "baselines").is_dir()):
            return folder
    return None


def _shown(folder: Path) -> str:
    try:
        return f"{folder.relative_to(Path.cwd().resolve())}/"
    except ValueError:
        return f"{folder}/"


def refuse_shipped_sets(path: str | Path, *, option: str, example: str) -> None:
    """Raises ProtectedPath when `path` is inside the shipped scenario sets."""
    folder = shipped_sets_folder(path)
    if folder is None:
        return
    shown, baselines = _shown(folder), _shown(folder.parent / "baselines")
    raise ProtectedPath(
        f"{option} {path} is inside the shipped scenario sets ({shown}): the pinned baselines ({baselines}) "
        f"cover exactly the files there and `coach eval run {shown}` would run it too. Write it elsewhere "
        f"(for example {option} {example}), or pass --force to write there anyway."
    )
