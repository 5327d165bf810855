"""Tokens for BM25: Simplified, lower-cased, segmented by rjieba in search mode, function words out.

Search mode (`cut_for_search`) also emits the shorter words inside long ones ("接电话" gives
"接电话" and "电话"), so a query and a passage that segment a phrase differently still share terms.
"""

from __future__ import annotations

import re
import unicodedata
import rjieba

from coach.text import to_simplified

_KEEP = re.compile(r"[\w\u3400-\u9fff]")
# Function words and pronouns that carry no topic. Deliberately short: words like "坚持", "处理" or
# "不" matter here (bm25s' 800-word Chinese list drops them), and BM25's idf handles the rest.
STOPWORDS = frozenset(
    """的 地 得 了 着 过 是 在 和 与 及 或 而 也 都 就 又 还 把 被 给 对 向 从 到 于 以 为 之 其
    这 那 这个 那个 这些 那些 这样 那样 这种 那种 这里 那里 此 该 我 你 您 他 她 它 我们 你们 他们 她们
    它们 咱们 自己 吗 呢 吧 啊 呀 哦 嘛 么 啦 哈 噢 一个 一些 一下 有 会 能 要 让 去 来 说 很 太 更
    最 再 所 因为 所以 如果 但是 但 可是 然后 并 并且 然后 而且 什么 怎么 怎么样 如何 哪 哪里 为什么
    a an the of to and or in on at for is are was were be been it this that with as by my your i
    you we they he she me us them do does did not""".split()
)


def tokenize(text: str) -> list[str]:
    """BM25 terms of a text in any script (Traditional is mapped to Simplified first; full-width
    letters and digits to their ASCII forms, so "２０元" meets "20元")."""
    simple = to_simplified(unicodedata.normalize("NFKC", text)).lower()
    # str.isalnum() is true for Han, Latin and digits alike; the regex only judges the rest.
    return [t for t in rjieba.cut_for_search(simple) if (t.isalnum() or _KEEP.search(t)) and t not in STOPWORDS]
