"""The offline phrasebooks: bundled data checked, zh-Hant made by OpenCC, COACH_PROMPTS_DIR honoured,
bad files reported with their name."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pytest

from coach.config import Settings
from coach.drafting.offline import OfflineDrafter
from coach.drafting.phrasebook import clear_cache, load_phrasebooks, offline_folder
from coach.errors import TemplateError
from coach.analysis.situation import STRATEGIES, analyse
from coach.text import detect_script, to_traditional
from coach.types import Conversation, Turn

BUNDLED = resources.files("coach.bundled_prompts") / "offline"


@pytest.fixture
def working_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "prompts" / "offline"
    folder.mkdir(parents=True)
    for name in ("zh-Hans.yaml", "en.yaml", "citations.yaml"):
        (folder / name).write_text((BUNDLED / name).read_text(encoding="utf-8"), encoding="utf-8")
    clear_cache()
    yield folder
    clear_cache()


def test_every_strategy_has_three_variants_in_every_script() -> None:
    books = load_phrasebooks()
    assert set(books.books) == {"zh-Hans", "zh-Hant", "en"}
    for script, book in books.books.items():
        for strategy in STRATEGIES:
            parts = book.strategies[strategy]
            assert len(parts["core"]) >= 3, (script, strategy)
        assert len(book.leads["default"]) >= 3
    assert set(STRATEGIES) <= set(books.cues)


def test_traditional_comes_from_simplified_through_opencc() -> None:
    books = load_phrasebooks()
    hans, hant = books.for_script("zh-Hans"), books.for_script("zh-Hant")
    for strategy in STRATEGIES:
        if strategy == "confirm_offer":  # zh-Hant.yaml words it its own way (簡訊)
            continue
        for a, b in zip(hans.strategies[strategy]["core"], hant.strategies[strategy]["core"]):
            assert b == to_traditional(a)
    assert all(detect_script(text) == "zh-Hant" for text in hant.leads["default"])


def test_prompts_dir_with_an_offline_folder_wins(working_copy: Path) -> None:
    zh = working_copy / "zh-Hans.yaml"
    zh.write_text(zh.read_text(encoding="utf-8").replace("请问您具体遇到了什么问题？", "请问您遇到的具体是什么情况呢？"), encoding="utf-8")
    settings = Settings(_env_file=None, COACH_PROMPTS_DIR=str(working_copy.parent))
    assert Path(str(offline_folder(settings))) == working_copy
    drafter = OfflineDrafter(settings)
    situation = analyse(Conversation(turns=(Turn(role="customer", text="叫你们领导来！"),)))
    texts = [d.text for d in drafter.compose(situation, (), 3)]
    assert any("请问您遇到的具体是什么情况呢？" in t for t in texts)


def test_prompts_dir_without_an_offline_folder_falls_back_to_the_bundled_one(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, COACH_PROMPTS_DIR=str(tmp_path))
    assert str(offline_folder(settings)) == str(BUNDLED)
    assert OfflineDrafter(settings).phrasebooks.books["en"].strategies


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        ("en.yaml", "{device}", "{gadget}", "unknown placeholder"),
        ("zh-Hans.yaml", "strategies:\n", "strategies:\n  focus_on_problem: [\n", "line"),
        ("en.yaml", "  calm_and_help:\n    core:", "  calm_and_help:\n    kore:", "calm_and_help"),
        ("citations.yaml", "stay_on_task:\n  - 注意力放到", "stay_on_task: []\nx:\n  - 注意力放到", "stay_on_task"),
    ],
)
def test_a_broken_file_is_reported_by_name(working_copy: Path, name: str, old: str, new: str, message: str) -> None:
    path = working_copy / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(TemplateError) as info:
        load_phrasebooks(working_copy)
    assert name.split(".")[0] in str(info.value) and message in str(info.value)


def test_a_broken_working_copy_falls_back_to_the_bundled_phrasings(
    working_copy: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (working_copy / "en.yaml").write_text("strategies: [", encoding="utf-8")
    drafter = OfflineDrafter(Settings(_env_file=None, COACH_PROMPTS_DIR=str(working_copy.parent)))
    assert drafter.phrasebooks.origin == str(BUNDLED)
    assert "en.yaml" in caplog.text


def test_a_missing_file_is_a_template_error(working_copy: Path) -> None:
    (working_copy / "en.yaml").unlink()
    with pytest.raises(TemplateError, match="en.yaml"):
        load_phrasebooks(working_copy)
    shutil.rmtree(working_copy)


def test_traditional_wordings_of_its_own_lay_over_the_converted_file() -> None:
    """zh-Hant.yaml: Taiwan's words where s2tw converts characters only (簡訊, not 短信 -> 短信)."""
    from coach.drafting.phrasebook import load_phrasebooks

    books = load_phrasebooks()
    hant = books.for_script("zh-Hant")
    assert any("簡訊" in v for v in hant.strategies["confirm_offer"]["core"])
    assert "網路" in hant.next_steps["outage"][0]
    assert any("短信" in v for v in books.for_script("zh-Hans").strategies["confirm_offer"]["core"])
    assert hant.strategies["confirm_offer"]["core_generic"]  # not named there: still converted from zh-Hans
