"""The README's "Using it" block works as written: every command in it runs through a shell, from a
temporary copy of the folders it reads (so its outputs land there, not in the checkout), and exits
as the README says: 0, or the N of an `exits N` in the line's comment. `coach serve` is left out.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from coach.evaluation.scenarios import discover

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
READS = ("examples", "eval")  # the folders the block's commands read, relative to the repository root
_COMMENT = re.compile(r"(?:^|\s)#(?P<comment>[^'\"]*)$")
_EXITS = re.compile(r"\bexits (?P<status>\d+)\b")


@dataclass(frozen=True)
class Command:
    text: str
    comment: str

    @property
    def expected_exit(self) -> int:
        match = _EXITS.search(self.comment)
        return int(match["status"]) if match else 0


def _complete(text: str) -> bool:
    if text.rstrip().endswith("\\"):
        return False
    try:
        shlex.split(text, comments=True)
    except ValueError:  # an open quote: the command goes on on the next line
        return False
    return True


def block_commands(block: str) -> list[Command]:
    """Shell commands in a fenced block; a command spans lines while a quote is open or a line ends in \\."""
    commands: list[Command] = []
    pending: list[str] = []
    for line in block.splitlines():
        if not pending and not line.strip():
            continue
        pending.append(line)
        text = "\n".join(pending)
        if _complete(text):
            comment = _COMMENT.search(pending[-1])
            commands.append(Command(text, comment["comment"].strip() if comment else ""))
            pending = []
    if pending:
        raise ValueError(f"unfinished command at the end of the block: {pending[0]!r}")
    return commands


def using_it_commands(readme: str) -> list[Command]:
    section = readme.split("\n## Using it\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```(?:bash|sh)\n(.*?)```", section, re.S)
    assert block, 'the README\'s "Using it" section has no ```bash block'
    return [c for c in block_commands(block[1]) if not c.text.lstrip().startswith("coach serve")]


COMMANDS = using_it_commands(README.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("coach a\n\ncoach b   # exits 1: why\n", [("coach a", "", 0), ("coach b   # exits 1: why", "exits 1: why", 1)]),
        ("echo '{\"a\":\n  1}' | coach x   # note\n", [("echo '{\"a\":\n  1}' | coach x   # note", "note", 0)]),
        ("coach a \\\n  --flag\n", [("coach a \\\n  --flag", "", 0)]),
        ("coach a '#not a comment'\n", [("coach a '#not a comment'", "", 0)]),
        ("open /panel#key=abc\n", [("open /panel#key=abc", "", 0)]),
    ],
)
def test_block_parsing(block: str, expected: list[tuple[str, str, int]]) -> None:
    assert [(c.text, c.comment, c.expected_exit) for c in block_commands(block)] == expected


def test_a_command_that_reads_an_earlier_output_waits_for_it() -> None:
    a, b, c = block_commands("coach eval run x --out runs/a\ncoach eval compare base runs/a\ncoach doctor\n")
    assert waves([a, b, c]) == [[a, c], [b]]


def test_unfinished_command_is_reported() -> None:
    with pytest.raises(ValueError, match="unfinished command"):
        block_commands("echo '{\"a\": 1\n")


def test_the_block_is_the_one_in_the_readme() -> None:
    assert len(COMMANDS) >= 8
    assert all(c.text.startswith(("coach ", "echo ")) for c in COMMANDS)


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, subprocess.CompletedProcess[str]]]:
    """Runs the block once, in order (the comparison reads the run before it), in a temporary copy."""
    work = tmp_path_factory.mktemp("readme")
    for folder in READS:
        shutil.copytree(ROOT / folder, work / folder)
    bin_dir = Path(sys.executable).parent
    assert shutil.which("coach", path=str(bin_dir)), f"no `coach` command beside {sys.executable}: pip install -e ."
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COACH_", "OPENAI_"))}
    env.update(PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
               COACH_CACHE_DIR=str(tmp_path_factory.getbasetemp() / "coach-cache"),
               COACH_DATABASE=str(work / "no-feedback-here.sqlite3"))
    def run(command: Command) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", "-o", "pipefail", "-c", command.text], cwd=work, env=env,
                              capture_output=True, text=True, timeout=600)

    results = {}
    with ThreadPoolExecutor(max_workers=2) as pool:  # each wave's commands side by side
        for wave in waves(COMMANDS):
            results.update(zip((c.text for c in wave), pool.map(run, wave)))
    return work, results


_OUT = re.compile(r"--out\s+(\S+)")


def waves(commands: list[Command]) -> list[list[Command]]:
    """Commands in waves: a command that reads what an earlier one writes (`--out X`, then X in its
    text) runs in a wave after that one's; the others run in the first wave they can."""
    level: list[int] = []
    for i, command in enumerate(commands):
        after = [level[j] + 1 for j in range(i) for out in _OUT.findall(commands[j].text) if out in command.text.replace(f"--out {out}", "")]
        level.append(max(after, default=0))
    return [[c for c, n in zip(commands, level) if n == w] for w in range(max(level, default=-1) + 1)]


def _latency_only_regression(command: Command, result: subprocess.CompletedProcess[str]) -> bool:
    """The README says the comparison with the pinned baseline also exits 1 when this machine's p50
    latency is beyond the margin over the baseline's: the baseline was timed on another machine."""
    return ("eval compare" in command.text and result.returncode == 1 and "newly failing: 0\n" in result.stdout
            and "REGRESSION: p50 latency beyond the margin" in result.stdout)


@pytest.mark.parametrize("command", COMMANDS, ids=[c.text.split("\n")[0][:60] for c in COMMANDS])
def test_command_exits_as_documented(ran: tuple[Path, dict], command: Command) -> None:
    result = ran[1][command.text]
    if _latency_only_regression(command, result):
        return
    assert result.returncode == command.expected_exit, (
        f"`{command.text}` exited {result.returncode}, the README says {command.expected_exit}\n"
        f"stdout: {result.stdout[-2000:]}\nstderr: {result.stderr[-2000:]}")
    assert result.stdout.strip() or result.stderr.strip(), f"`{command.text}` printed nothing"


def test_the_block_leaves_the_shipped_sets_alone(ran: tuple[Path, dict]) -> None:
    work = ran[0]
    before = sorted(f.relative_to(ROOT).as_posix() for f in discover([ROOT / "eval" / "scenarios"])[0])
    after = sorted(f.relative_to(work).as_posix() for f in discover([work / "eval" / "scenarios"])[0])
    assert after == before, f"the README's commands wrote into eval/scenarios/: {sorted(set(after) - set(before))}"


def test_the_pass_count_the_readme_gives_is_the_baselines() -> None:
    summary = json.loads((ROOT / "eval" / "baselines" / "offline" / "report.json").read_text(encoding="utf-8"))["summary"]
    readme = README.read_text(encoding="utf-8")
    passed, total = summary["passed"], summary["total"]
    assert f"exits 1: {passed} of {total} pass offline" in readme
    assert f"in {total - passed} of the {total} shipped scenarios" in readme and f"fails the same {total - passed}" in readme


def test_the_quick_start_lines_use_separate_environments() -> None:
    """Issue 12: the serve line and the test line run side by side in one clone; the test line's
    editable install must not replace the package under a running `coach serve`. .ci/run runs the
    test line verbatim."""
    section = README.read_text(encoding="utf-8").split("## Quick start", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("python3 -m venv")]
    serve = next(line for line in lines if "coach serve" in line)
    tests = next(line for line in lines if "pytest" in line)
    env = re.compile(r"python3 -m venv (\S+)")
    assert env.search(serve)[1] != env.search(tests)[1], (serve, tests)
    assert tests in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
