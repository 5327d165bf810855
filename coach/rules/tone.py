"""hostile_tone: blame, sarcasm, threats or contempt toward the customer.

Look-alikes that stay quiet: "这不是您的问题" (exoneration), offering the complaint channel
("如需投诉，我可以帮您转接"), "it's not your fault", "we'll deal with it for you".
"""

from __future__ import annotations

import re

from coach.rules.base import Phrase, PhraseRule, Veto

_YOU = r"(?:你|您)"
_NEGATED = Veto(before=re.compile(r"(?:不|并非|并不|绝不|也不|没)$"), width=3)

PHRASES = (
    Phrase(r"自己(?:不|没)(?:看清楚?|仔细看|注意看)就|自己不会看|(?:现在)?(?:来)?找我们有什么用"),
    Phrase(rf"是{_YOU}自己(?:没|不)(?:看清楚?|注意|仔细看?|看|读|弄好|搞清楚|操作好)?|是{_YOU}自己(?:的|弄|搞|操作)|{_YOU}自己(?:没|不)(?:看清|看清楚|注意|仔细|看|读|弄好|搞清楚|操作好)|(?:怪|赖){_YOU}自己|{_YOU}自己的(?:问题|责任|错)", (_NEGATED,)),
    Phrase(rf"是{_YOU}的(?:问题|错|责任)(?:吧|啊|嘛)?(?=[。！？!?，,…~]|$)", (_NEGATED,)),
    Phrase(rf"爱投诉(?:就)?(?:去)?投诉|(?:想|爱|要)怎么投诉(?:就怎么投诉|都行|都可以|随便)|投诉(?:就)?(?:去)?投诉(?:吧|好了|呗)|随便{_YOU}(?:去)?(?:投诉|告|怎么说)|有本事{_YOU}?(?:就)?去(?:告|投诉)|{_YOU}(?:去)?告(?:吧|好了|呗)|投诉(?:也)?没用"),
    Phrase(rf"{_YOU}(?:是不是)?(?:听不懂|看不懂|不识字|有病|脑子有|脑子进)|{_YOU}懂不懂|{_YOU}到底(?:懂不懂|会不会|听没听)|听不懂人话|无理取闹|胡搅蛮缠|不可理喻|神经病|有毛病吧|活该"),
    Phrase(r"怪谁呢?|能怪谁|怨谁呢?|(?:不懂|不知道)就别乱说|别(?:乱|瞎)说|还(?:要|想)怎么样|别想了|见得多了|爱用不用|可以不用我们的|听不进去|(?:讲|说)了(?:几|好几|多少)次|小事(?:也|还)?(?:值得|要)?投诉|至于投诉|自己弄坏的|还来找我们|还好意思"),
    Phrase(r"爱买不买|不买(?:就)?(?:拉倒|算了|别买)|说了(?:多少|好几|[三几])遍|说过(?:多少|好几|[三几])遍|自己(?:去)?看(?:说明书|说明|公告)(?:去)?|烦不烦|少来这套|难伺候|谁让你|早干嘛去了|你以为你是谁|别(?:在这|跟我)?(?:胡闹|闹了)"),
    Phrase(rf"(?:再|如果{_YOU}?再)(?:这样|这么|闹|骂|纠缠)[^。！？]{{0,10}}(?:报警|拉黑|封号|起诉|追究|结束通话|挂断|挂电话)|(?:别|不要)(?:逼|惹)我|呵呵|{_YOU}可真(?:行|厉害|会(?:算|想|要))|{_YOU}(?:倒是|可)真会(?:算|想|要)"),
    # English (lower-cased)
    Phrase(r"\b(?:it's|it is|that's|that is) (?:all )?your (?:own )?(?:fault|problem|mistake)\b|\byou should have (?:read|checked|known|looked|listened)\b|\bif you(?:'d| had) (?:bothered|read|paid attention|listened)\b"),
    Phrase(r"\bgo ahead and (?:complain|sue|report)\b|\bcomplain all you (?:want|like)\b|\b(?:do|did|can) you even (?:read|understand|listen)\b|\bcan't you read\b|\blearn to read\b"),
    Phrase(r"\b(?:as )?i(?:'ve| have)? (?:already )?told you (?:\w+ )?(?:times|twice|already)\b|\bhow many times do i have to\b|\bnot my problem\b|\bjust deal with it\b|\bdeal with it yourself\b"),
    Phrase(r"\bread the (?:manual|instructions|terms) (?:before|first)\b|\bseriously, read\b|\b(?:can't|cannot) follow (?:simple |basic )?instructions\b|\bsimple instructions\b"),
    Phrase(r"\b(?:that's|that is|it's|it is) on you\b|\bthis is what happens when\b|\bwhat do you expect\b"),
    Phrase(r"\byou obviously (?:didn't|don't|did not|do not)\b|\bdidn't (?:even )?bother to\b"),
    Phrase(r"\bobviously you (?:didn't|don't|did not|do not)\b|\bwe(?:'ll| will) (?:ban|block|blacklist) you\b|\bwhat did you expect\b|\bgood luck with that\b|\byour loss\b|\byou people\b|\bstop (?:whining|nagging)\b"),
)

HOSTILE_TONE = PhraseRule(id="hostile_tone", phrases=PHRASES, head="hostile")
