"""Cleaning: table-driven cases from the scraped pages, properties over arbitrary text, speed-free."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coach.knowledge.boilerplate import drop_boilerplate, is_boilerplate
from coach.knowledge.clean import clean_text

CASES = [
    # (what, raw, must contain, must not contain)
    ("pinyin after Traditional characters", "提升服務(wù)質量,不同的節(jié)點", ["提升服務質量", "節點"], ["(wù)", "(jié)"]),
    ("pinyin with full-width brackets", "领导（dǎo）来了", ["领导来了"], ["dǎo"]),
    ("parenthesised Chinese stays", "話術跟上(這是最終口徑的堅持)", ["(這是最終口徑的堅持)"], []),
    ("parenthesised English stays", "请用 API(v2) 查询", ["API(v2)"], []),
    ("an English gloss after a Han character stays", "用微信(wechat)或者说(ok)都行", ["微信(wechat)", "说(ok)"], []),
    ("neutral-tone syllables go too", "嚴謹的(de)作業", ["嚴謹的作業"], ["(de)"]),
    ("nbsp and ideographic spaces", "客服\u00a0人员\u3000很忙", ["客服 人员 很忙"], ["\u00a0", "\u3000"]),
    ("stray question-mark runs at line start", "? ? ? 在本文中我将拆解", ["在本文中我将拆解"], ["?"]),
    ("stray question mark before a quote", "部分客服人?“逃”,开始回避", ["部分客服人“逃”"], ["?"]),
    ("a real question mark stays", "能不能別墨跡了?浪費我時間", ["別墨跡了?浪費"], []),
    ("questions in a row stay", "话讲得好不好?运用时机是否恰当?听话是否听到", ["好不好?运用时机是否恰当?听话"], []),
    ("garbled run repaired by re-reading the bytes", "並由外部延伸到嚴謹(jǐn)?shù)淖鳂I(yè)流程要求", ["嚴謹的作業流程要求"], ["淖", "鳂", "?", "shù"]),
    ("garbled run before a Han character", "因?yàn)殡娫捒头\ue479皇桥c(yǔ)客戶面對面", ["電話客服不是與客戶面對面"], ["殡", "?"]),
    ("garbled run that does not read as prose is dropped before a tag", "客戶是否?亥、?/span>(如是否判定)", ["客戶是否(如是否判定)"], ["亥", "span", "?"]),
    ("html tags and style residue", '然而对 3px 15px">客服的<b>工作</b>特性', ["然而对客服的工作特性"], ["px", "<b>", '">']),
    ("repeated paragraph kept once", "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未\n甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未\n别的", ["别的"], []),
]


@pytest.mark.parametrize("what,raw,present,absent", CASES, ids=[c[0] for c in CASES])
def test_cleaning_cases(what: str, raw: str, present: list[str], absent: list[str]) -> None:
    out = clean_text(raw)
    for s in present:
        assert s in out, f"{what}: {s!r} missing from {out!r}"
    for s in absent:
        assert s not in out, f"{what}: {s!r} survived in {out!r}"


def test_repeated_paragraph_appears_once() -> None:
    para = "通过班组团队的团建活动、一对一的沟通互动来帮助客服人员释放和缓解压力。"
    out = clean_text(f"{para}\n{para}\n另一段")
    assert out.count(para) == 1


def test_pasted_copy_inside_a_later_paragraph_is_cut() -> None:
    first = "可以在自己权限范围内给予一定的补偿，例如给予一定的折扣，或者减免一定的费用。"
    later = "你可以求助于管理的责任人关于" + first[6:30] + "业务、技巧性的协助。"
    out = clean_text(f"{first}\n{later}")
    assert "关于业务、技巧性的协助" in out


BOILERPLATE = [
    "你所在的位置:管理文庫 > 客戶服務",
    "首頁>>>呼叫中心>>>運營管理",
    "首页>> 最佳呼叫中心客户服务>>新闻详情",
    "發表評論分享按鈕",
    "2011/12/09",
    "来源: 时间:2015-05-11",
    "电话:010-82794120",
    "郵箱:郵箱:someone@example.cn",
    "地址:北京市海淀區上地三街9號B座",
    "版權所有:某某咨詢服務有限公司 @ 2024 京ICP備11026241號-5",
    "总机:021-51601170 直线:021-58307717 电子邮件:cct@example.com  泸ICP备10026114号-4",
    "共0条评论网友评论",
    "• 全部评论",
    "关注公众号",
    "CTI論壇報道",
    "文章转载于 客户世界",
    "热点专题:  呼叫中心    运营管理专栏",
]
CONTENT = [
    "客户反复拨打110和高铁投诉电话,称自己一家四口都在高铁上。",
    "当客户说,“叫你领导来接电话!”",
    "如何处理投诉,确是真正考验客服人员的能力。",
    "接下来,我们来看看网友评论里常见的三种误区。",
    "2.如果是有投诉工单客户",
]


@pytest.mark.parametrize("line", BOILERPLATE)
def test_boilerplate_lines_are_recognised(line: str) -> None:
    assert is_boilerplate(line)


@pytest.mark.parametrize("line", CONTENT)
def test_article_lines_are_kept(line: str) -> None:
    assert not is_boilerplate(line)


def test_related_reading_takes_its_link_list_along() -> None:
    lines = ["正文最后一句。", "", "相關閱讀:", "呼叫中心管理策略中的遵時率 2011-12-08", "專訪:某某全套解決方案 2011-12-06", "", "热点专题: 呼叫中心"]
    assert [ln for ln in drop_boilerplate(lines) if ln] == ["正文最后一句。"]


# An annotation with a tone mark is pinyin beyond doubt (toneless ones are judged by syllable shape).
_PINYIN_LEFT = re.compile(r"[\u4e00-\u9fff][(（][a-z]*[àáǎāèéěēìíǐīòóǒōùúǔūǖǘǚǜ][a-z]*[)）]")


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            list("服務節點客戶?\u00a0 \n。,相關閱讀:電話0123>abc()") + ["(wù)", "(jié)", "(dǎo)", "(lǐng)", "（zhuǎn）", "(ok)"]
        ),
        max_size=80,
    )
)
def test_cleaning_never_crashes_and_leaves_no_pinyin_or_nbsp(pieces: list[str]) -> None:
    out = clean_text("".join(pieces))
    assert "\u00a0" not in out
    assert not _PINYIN_LEFT.search(out)
    assert not out.startswith(("?", " ", "\n"))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_cleaning_any_unicode_is_total(raw: str) -> None:
    assert isinstance(clean_text(raw), str)
