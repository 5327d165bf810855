"""Which lines of a scraped page are web boilerplate rather than article text.

The patterns are written in Simplified Chinese and matched against the Simplified form of each
line, so Traditional pages need no second set. A line is judged by its shape (short, no sentence
end) as well as its words, so article sentences that merely mention "电话" or "评论" stay.
"""

from __future__ import annotations

import re

from coach.text import to_simplified

# Anywhere in a line of any length: things only page footers carry.
_FOOTER_ANYWHERE = re.compile(
    r"ICP[备證证]|版权所有|copyright|©|\b[\w.+-]+@[\w-]+\.[\w.]+\b"
    r"|(?:电话|总机|直线|热线|传真|咨询电话|客服电话|手机)[:：]?\s*[\d(（+][\d\-()（）\s]{6,}",
    re.IGNORECASE,
)
# At the start of a short line: navigation, meta data, widgets, address blocks.
_SHORT_LINE_START = re.compile(
    r"(?:你所在的位置|您的位置|您现在的位置|当前位置|所在位置|首页\s*[>＞»]|"
    r"来源[:：]|作者[:：]|时间[:：]|发布时间|发表时间|编辑[:：]|责任编辑|"
    r"文章转载|转载于|转自|本文来源|原文链接|"
    r"地址[:：]|邮编|邮箱[:：]|电子邮件|e-?mail|"
    r"关注我们|关注公众号|官方微博|官方微信|扫一扫|二维码|"
    r"发表评论|网友评论|全部评论|我要评论|共\d*条(?:评论|记录)|向您推荐|"
    r"热点专题|分类信息|相关标签|上一篇|下一篇|返回顶部|打印本页|关闭窗口|点击收藏|分享到|分享至|"
    r"新闻\s*按|厂商\s*按)",
    re.IGNORECASE,
)
_SHORT_LINE_ANY = re.compile(r"[>＞»]{2,}|\s[>＞»]\s|分享按钮|按(?:行业|产品)分类|论坛报道$|有限公司$|^\(?共\d*页\)?$")
_DATE_ONLY = re.compile(r"^\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_RELATED_HEAD = re.compile(r"^(?:相关阅读|相关文章|推荐阅读|延伸阅读|热门文章|相关新闻|猜你喜欢)\s*[:：]?")
_ENDS_WITH_DATE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$")
_SENTENCE_MARK = re.compile(r"[。！？!?；;]")

SHORT = 60


def is_boilerplate(line: str) -> bool:
    """True when one (stripped) line is page furniture rather than article text."""
    return _is_boilerplate_simple(to_simplified(line.strip()))


_BULLETS = "•·●○■□◆◇▪▶►-*|>» \t"


def _is_boilerplate_simple(simple: str) -> bool:
    simple = simple.lstrip(_BULLETS)  # list markers of widgets ("• 全部评论")
    if not simple:
        return False
    if _FOOTER_ANYWHERE.search(simple):
        return True
    if len(simple) > SHORT:
        return False
    if _DATE_ONLY.match(simple) or _RELATED_HEAD.match(simple):
        return True
    if _SHORT_LINE_START.match(simple) or _SHORT_LINE_ANY.search(simple):
        return not _SENTENCE_MARK.search(simple[:-1])
    return False


def drop_boilerplate(lines: list[str]) -> list[str]:
    """The lines without the boilerplate ones; blank lines are kept (paragraph gaps).

    A "related reading" heading takes the link list under it along: the short lines without a
    sentence end, up to the first line that reads like prose.
    """
    out: list[str] = []
    in_related = False
    for line, simple in zip(lines, _simplified_lines(lines)):
        if not line:
            out.append(line)
            continue
        if in_related:
            link_like = len(simple) <= SHORT and (
                _ENDS_WITH_DATE.search(simple) is not None or not _SENTENCE_MARK.search(simple)
            )
            if link_like:
                continue
            in_related = False
        if _RELATED_HEAD.match(simple):
            in_related = True
            continue
        if not _is_boilerplate_simple(simple.strip()):
            out.append(line)
    return out


def _simplified_lines(lines: list[str]) -> list[str]:
    """The lines in Simplified, converted in one OpenCC call (per-line calls cost 3x more)."""
    converted = to_simplified("\n".join(lines)).split("\n")
    return converted if len(converted) == len(lines) else [to_simplified(ln) for ln in lines]
