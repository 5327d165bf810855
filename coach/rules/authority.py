"""authority_exposure: the draft tells the customer the agent lacks power, permission or budget,
names the agent's ceiling, or says only a superior can decide.

Not exposure (and covered by vetoes or by narrow wording): offering to bring in the duty manager,
a specialist team following up, "权限" as an app permission or a member's access level, and saying
the cause of a fault cannot be judged without an inspection.
"""

from __future__ import annotations

import re

from coach.rules.base import Phrase, PhraseRule, Veto

_BOSS = r"(?:领导|上级|上面|上头|经理|主管|老板|上司|组长)"
_BOSS_EN = r"(?:manager|supervisor|boss|superior|team lead(?:er)?)"
_DECIDE = r"(?:处理|决定|审批|批准|批|拍板|签字|定夺|同意|点头|出面|解决|做主|说了算)"
_END = r"(?=[。！？!?，,…~；;\s]|$)"
# "权限" of an app, a device or the customer's account or membership is not the agent's authority.
_NOT_AGENT = Veto(before=re.compile(r"(?:您|你)的?|账号|账户|会员|应用|app|软件|手机|相机|定位|存储|访问|系统|管理员|通知|麦克风|读取|开启|打开|授予"), width=6)

PHRASES = (
    Phrase(r"无能为力|爱莫能助|力不从心"),
    Phrase(r"权(?:利|力|限)(?:很|非常|比较|实在|真的)?有限", (_NOT_AGENT,)),
    Phrase(r"权限(?:不够|不足|不到|达不到|没那么大|太小|只有|只能|就这么|最多|上限|仅限)", (_NOT_AGENT,)),
    Phrase(r"(?:我|我们|我这边|客服)(?:这边)?(?:也|真的|实在)?(?:没有?|无)(?:这个|这么大的|那么大的|相关的?)?(?:权限|权力|权利|资格|预算|额度)"),
    Phrase(r"(?:超出|超过)(?:了)?我(?:们)?(?:能|可以|所能)(?:处理|决定|负责|批)的?范围|(?:我这个级别|以我的级别)[^，。！？]{0,6}|(?:我|我这边|我这里)[^，。！？]{0,4}批不(?:了|下来)"),
    Phrase(rf"我(?:也)?(?:没办法|无法|不能)(?:做决定|做这个决定|做主|决定)|(?:要|得|需要)(?:先)?(?:去)?问(?:过|一下|问)?(?:我们的?)?{_BOSS}"),
    Phrase(r"超出(?:了)?(?:我的?|我们的?|客服的?)?(?:权限|权力|职权|处理范围|能力范围)|超过(?:了)?我(?:的|们的)?(?:权限|额度)|不在我的?(?:权限|职权)"),
    Phrase(rf"(?:必须|需要|只能|只有|得|要)(?:由|让|请|找|等|经过)?(?:我们的?)?{_BOSS}(?:来)?(?:才能|才可以|才行)?{_DECIDE}"),
    Phrase(rf"(?:得|要|需要|必须)(?:先)?(?:向|跟|找)?(?:我们的?)?{_BOSS}?(?:请示|汇报|报告|上报|报批)(?:一下)?(?:给)?{_BOSS}?"),
    Phrase(rf"(?:向|跟|找)(?:我们的?)?{_BOSS}(?:请示|申请|汇报|报告|商量|请求|报批)"),
    Phrase(rf"{_BOSS}(?:才能|才可以|才有权|说了算|拍板|决定才行|同意才行|批了才)"),
    Phrase(r"我(?:做|作)不了(?:这个)?主|我说了不算|我(?:也)?定不了|我(?:也)?决定不了|不是我(?:能|可以|所能)?(?:决定|做主|说了算|定)的?"
           r"|我(?:没有?|无)(?:权|权力|权利|资格)(?:决定|做主|批|处理|答应)|轮不到我(?:决定|做主)|我(?:只是|只是个|就是个|只是一个)(?:普通的?|小)?(?:客服|员工|打工的)"),
    Phrase(r"(?:我|我们|我这边|我这里)(?:能|可以|所能|最多能|最多可以)?(?:批|申请|给|给到|做到|争取到|补|赔)(?:您|你)?的(?:最高|最多)?(?:额度|金额|补偿|上限)?(?:就|只有|只能|最多|也就)(?:是)?(?:到这|这些|这么多|这个数|[0-9一二三四五六七八九十百]+)"),
    Phrase(r"额度(?:就到这|到顶|已满|用完|有限|只有|最多|最高|上限)|(?:我的?|客服的?)(?:额度|上限|底线)(?:是|就|只有|只能)|最多只能(?:给|批|申请|补|赔)"),
    Phrase(r"拍不了(?:这个)?板|(?:我这个|以我的)(?:位置|岗位|职位)"),
    Phrase(r"我(?:也)?做不了(?:这个)?决定|不归我管|不是我负责的|不在我的职责范围"),
    Phrase(r"(?:我这边|我这里|我)(?:也|真的?)?(?:改不了|调不了|动不了|批不了)|(?:走|要|得|需要)特批|内部(?:有|设了?)?(?:上限|额度)"),
    Phrase(rf"我们?(?:也|真的?|实在)*(?:没有?|无)(?:任何)?(?:办法|法子)(?:了|啊)?{_END}|我(?:也|真的?|实在)*(?:帮不了|帮不上|管不了|处理不了|解决不了|决定不了)(?:您|你)?(?:了)?{_END}"),
    # English (lower-cased)
    Phrase(r"\b(?:not|isn't|is not|beyond|above|outside|exceeds?|over) (?:my|our) (?:call|authority|pay ?grade|remit|authori[sz]ation|limit|power|jurisdiction|budget)\b"),
    Phrase(r"\bnot up to me\b|\bout of my hands\b|\bmy hands are tied\b|\bi(?:'m| am) not (?:allowed|authori[sz]ed|permitted|able to (?:approve|authori[sz]e|sign off|offer more))\b|\bi(?:'m| am) unauthori[sz]ed\b"),
    Phrase(r"\bi (?:don't|do not) have (?:the |any |enough )?(?:authority|power|permission|budget|clearance|sign-?off|say)\b|\bi have no (?:authority|power|say|budget)\b"),
    Phrase(r"\bi (?:can't|cannot|can not) (?:approve|authori[sz]e|sign off|make that (?:decision|call)|decide)\b"),
    Phrase(r"\b(?:need|needs|have to|has to|must|would need|'d need|'ll need|got to)(?: to)? (?:get|ask|check with|run (?:it|this|that) by|escalate (?:it|this|that) to) (?:my|a|the) (?:manager|supervisor|boss|team lead|superior)\b"),
    Phrase(r"\b(?:need|needs|have to|has to|must|would need|'d need|'ll need) (?:my|a|the|our) (?:manager|supervisor|boss|team lead|superior)(?:'s)? (?:to )?(?:sign off|sign-off|approve|approval|ok|okay|go-ahead|permission)\b"),
    Phrase(r"\b(?:manager|supervisor|boss)(?:'s)? (?:(?:would|will) (?:need|have) to|needs to|has to|must) (?:sign off|approve)\b|\b(?:manager|supervisor)'s (?:approval|sign-?off|permission)\b"),
    Phrase(r"\b(?:sits|rests|lies|is|stays) with (?:my|the|our) (?:manager|supervisor|boss|superiors?|team lead)\b|\bup to my (?:manager|supervisor|boss)\b"),
    Phrase(r"\bonly (?:a|my|the) (?:manager|supervisor|boss|superior) can\b|\b(?:there's|there is) nothing (?:more )?i can do\b|\bnothing (?:more )?i can do\b"),
    Phrase(r"\bthe (?:most|max(?:imum)?|best) i(?:'m allowed to| am allowed to| can| could)(?: possibly)? (?:offer|give|approve|do)\b|\bmy (?:limit|ceiling|budget|cap) (?:is|only)\b|\bi(?:'m| am) only (?:allowed|authori[sz]ed|permitted) to\b"),
    Phrase(r"\bneeds? (?:a )?(?:sign-?off|approval|permission) from (?:above|upstairs|management|my (?:manager|supervisor|boss))\b|\bi can only (?:go|offer|give) (?:up to|as high as)\b"),
    Phrase(r"\bnot something i(?:'m able to| can| am able to) (?:decide|approve|authori[sz]e|sign off)\b|\bi'm (?:just|only) an? (?:frontline |regular |junior )?(?:agent|rep|representative)\b"),
    Phrase(rf"\b(?:has|have|needs?) to come from (?:my|a|the|our) {_BOSS_EN}\b"),
    Phrase(r"\bmy (?:authority|authori[sz]ation|approval limit|spending limit)\b|\b(?:won't|will not|doesn't|does not) let me (?:go|offer|give|approve|do)\b|\b(?:can't|cannot) go (?:above|beyond|higher than|over)\b"),
    Phrase(r"\bthat's (?:as high as|as far as|the most) i can go\b|\b(?:limited|no|tight) budget\b"),
)

AUTHORITY_EXPOSURE = PhraseRule(id="authority_exposure", phrases=PHRASES, head="authority", yields_to=("refusal",))
