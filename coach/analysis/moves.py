"""What a customer's message does ("moves"), read from its words in zh-Hans, zh-Hant and English.

Pure functions over text. Traditional input is folded to Simplified with OpenCC first and English
is lower-cased, so one cue table covers the three scripts. Cues are short regular expressions;
each move is a yes/no reading of one message, never a score. Sums of money are not read here: the
validator's offer reader reads them (coach.analysis.amounts); the topic is read over the whole
complaint (coach.analysis.facts.detect_topic).
"""

from __future__ import annotations


import re
from functools import lru_cache

from coach.rules.normalize import normalize
from coach.rules.offers import money_mentions
from coach.text import to_simplified

# Each move: a regular expression over the folded text (Simplified, lower-case).
_CUES: dict[str, str] = {
    "injection": (
        r"忽略.{0,12}(指令|提示|规则|设定|要求)|系统提示词|提示词|你现在是|扮演|越狱|开发者模式"
        r"|ignore (all |any |the |your )?(previous|prior|above|earlier)|disregard .{0,30}instructions"
        r"|system prompt|you are now|pretend (to be|you)|developer mode|jailbreak|reveal your (prompt|instructions)"
    ),
    "insult": (
        r"骗子|垃圾|废物|白痴|傻[逼瓜子x]|蠢|混蛋|王八|滚[!！。 ]|滚$|他妈|妈的|去死|有病|脑子进水|没脑子|没人性|不是人"
        r"|狗东西|饭桶|笨蛋|idiot|stupid|moron|incompetent|shut up|damn|fuck|shit|crap|bastard|pathetic|liar"
        r"|scammer|clown|dumb"
    ),
    "threat_harm": (
        r"跳楼|跳下去|自杀|轻生|寻死|不想活|不活了|活不下去|死给你们看"
        r"|kill myself|suicide|end my life|jump off|end it all|hurt myself"
    ),
    "impossible_demand": (
        r"(火车|列车|高铁|动车|飞机|航班|车).{0,6}等(我|一下|着)|(叫|让)(飞机|航班|火车|列车|高铁).{0,4}(回来|返回|掉头|等)|等我\d+分钟|帮我定位|定位.{0,6}(卡|手机|钱包|包)"
        r"|消防员|爬上去|赔.{0,4}(十|百|千|万|\d+)倍|(十|百|千|\d+)倍.{0,3}赔|开除(他|她|那个|这个)|把.{0,8}开除"
        r"|(hold|delay|stop) the (train|flight|plane)|(turn|bring|send) the (plane|flight|train) back|make the (train|flight|plane) wait|locate my (lost )?(card|wallet|bag)"
        r"|firefighter|(ten|hundred|\d+) times (the|my|what)|\d+x (refund|compensation)|fire (him|her|them|that)"
        r"|(him|her|them|agent|employee|driver|courier) fired"
    ),
    "out_of_hours": (
        r"(你们|就|怎么|凭什么).{0,4}下班|凭什么(休息|关门)|才\d+点.{0,6}(下班|关门|不办)|关门了|不营业|营业时间"
        r"|(为什么|怎么)(不|没人)(办|营业|上班)|(你们|就)(说)?不(给我?)?办了"
        r"|why (are|is) (you|it|the \w+) closed|opening hours|business hours|after hours|closed already|only \d+ ?(pm|o'clock)"
        r"|(shut|closed|closes|shuts) at \d|after closing|just closed"
    ),
    "fraud_report": (
        r"盗刷|被盗|被人刷|不是我(本人)?(消费|付款|支付|买)的|我没有?(消费|付款|支付)过|陌生(的)?(扣款|交易|消费)"
        r"|fraud|unauthori[sz]ed|i never (made|authori[sz]ed)|i (didn'?t|did not) make (these|those|this|that|them|it)"
        r"|stolen card|hacked"
    ),
    "safety_worry": r"超速|超载|安全隐患|出了事谁负责|不安全|危险|unsafe|dangerous|overloaded|speeding|safety hazard",
    "rule_override": r"解封|解除封|恢复(店铺|账号|帐号)|unban|unblock my (account|store|shop)|reinstate my (account|store|shop)",
    "privacy_request": (
        r"(别人|他|她|对方|那个人|那家|邻居|收件人)的?(地址|电话|手机号|信息|住址)"
        r"|(address|phone|number|details|name) of (the|that|this|another|other) (guy|person|customer|neighbou?r|man|woman|people)"
        r"|(his|her|their) (address|phone number|number|details)"
    ),
    "queue_jump": r"插队|插个队|先给我(装|修|办|安排)|优先(给我|处理我)|jump the (queue|line)|skip the (queue|line)|ahead of (everyone|the queue|others)",
    "ask_waiver": r"(违约金|滞纳金|手续费|罚款|罚金|费用).{0,8}(免|减|退)|(免|减)(掉|除|了).{0,4}(违约金|滞纳金|费)|全部免掉|waive|late fee|penalty",
    "demand_manager": (
        r"领导|主管|经理|上级|负责人|老板|值班长|管事的|能做主的|能解决问题的人|说了算的人|找个能"
        r"|manager|supervisor|your boss|someone (in charge|senior|who can)|escalate|higher up|person in charge"
    ),
    "probe_authority": (
        r"你(能|可以)?做(得了)?主|你有(没有)?(这个)?(权限|权力|权利)|你说了算|你能(决定|批)|你.{0,4}解决不了"
        r"|跟你说(了)?也没用|你办不到|权限不够|你(算|是)什么|你能做什么"
        r"|are you (even )?(able|allowed|authori[sz]ed)|can you (even )?(decide|approve)|(have|got) (the |any )?(authority|power|permission)"
        r"|what can you (even )?do|is (that|this) your call|you can'?t do anything|no use talking to you|pointless talking to you"
    ),
    "threat_complaint": (
        r"投诉|客诉|举报|12315|曝光|媒体|差评|消协|消保|起诉|律师|法院|报警|打官司|告你们"
        r"|解约|销户|退订|换一家|cancel(l?ing)? (my|the) (contract|subscription|account|plan)|switch(ing)? provider"
        r"|complain|complaint|report (you|this)|(bad|negative|one-star|1-star) review|leave a review|lawyer|sue\b|media|regulator|consumer (council|association|protection)"
    ),
    "ask_compensation": (
        r"赔|补偿|退款|退钱|退费|损失|报销|给个说法|减免|免单|返还"
        r"|给我什么|送我什么|怎么补偿|有什么补偿|表示一下"
        r"|compensat|refund|reimburs|money back|pay (me|for)|credit|discount|make (it|this) up"
        r"|what (are|will) you (going to )?give|what do i get|give me something"
    ),
    "ask_free_repair": (
        r"免费(修|维修|换|保修|更换)|保修|保固|三包|质保|要钱吗|收费吗|收不收|收钱|花钱|付钱|要不要钱|多少钱|修.{0,6}(要钱|收费)"
        r"|free (of charge|repair|fix|replacement)|repair free|warranty|guarantee|will it cost|how much|do i (have to |need to )?pay"
        r"|charge me|am i paying|paying or not|is (it|the repair) free|cost me|cost anything|any charge"
    ),
    "report_fault": (
        r"进水|受潮|淋雨|淋到雨|雨天|下雨|泡水|掉水|掉进|湿了|沾水|屏幕.{0,4}(失灵|不亮|坏|碎|花|黑)|坏了|失灵|开不了机|不能用|用不了"
        r"|故障|死机|没反应|点不动|没声音|没有声音|时好时坏|不灵|黑屏|花屏|充不进|起雾|不出水|漏水|凹痕|裂了|碎了|掉了"
        r"|water|wet|rain|swimming|fog|screen .{0,12}(not|stopped|died|dead|broken|cracked|unresponsive|black)|broken|stopped working|died"
        r"|not working|won'?t (turn|switch) on|faulty|doesn'?t work|no sound|cracked|dented|flooded|leak"
    ),
    "dispute": (
        r"不可能|根本没|根本不|不是我|就是你们的问题|是你们的问题|你们搞错|你们弄错|乱扣|凭什么扣|我没有(用|看|买)"
        r"|i never|wasn'?t me|not me|that'?s wrong|you made a mistake|you got it wrong|i didn'?t (use|order|buy|sign)"
    ),
    "demanding": r"我要|要求|必须|给我|赔我|你们得|你们要|凭什么不|\bi want|\bdemand|\bi need|\bi expect|give me|owe me|\bmust\b",
    "ask_status": (
        r"进度|进展|怎么样|结果呢|结果如何|到哪了|哪里了|还没到|还没收到|什么时候(会)?到|还没(有)?(处理|解决|回复|消息|结果|动静)|多久|什么时候|等了|工单|催"
        r"|status|update|progress|still waiting|how long|when will|ticket|follow(ed)? up|where is my|where's my"
        r"|(haven'?t|not) (been )?received|hasn'?t arrived"
    ),
    "repeat_contact": (
        r"(又|再次|第[二三四五六七八九十\d]+次|好几次|多次|已经).{0,3}(打|来电|联系|反映|反馈|找|说)|打了.{0,3}(次|遍)|说了.{0,3}(次|遍)"
        r"|again|(second|third|fourth|fifth|\d+(st|nd|rd|th)) time|called .{0,10}(before|already|times)|keep calling"
        r"|already (called|told|contacted)"
    ),
}

# Only meaningful once the agent has offered something.
_AFTER_OFFER: dict[str, str] = {
    "reject_offer": (
        r"不接受|不同意|不满意|(太|才|就这么)(少|低)|才\d+|就\d+(块|元)?|打发|这点(钱|东西)|不够|没诚意|不要(代金券|券)"
        r"|不行|开玩笑|not enough|too (little|low|small)|that'?s it|unacceptable|not acceptable|no deal"
        r"|i (don'?t|do not|won'?t) accept|refuse|only \d+|is that all|joke|insulting|no way"
    ),
    "accept_offer": (
        r"^\W*(好(吧|的|啊)?|行(吧)?|可以|那就这样|我接受|接受|同意|没问题|成交)\W*($|[,，。!！].{0,20}$)"
        r"|^\W*(ok(ay)?|fine|deal|alright|all right|i accept|that works|sounds good|agreed)\b.{0,30}$"
    ),
}

# What the agent's last turn said, read together with the customer's answer to it.
_AGENT_SAID = {
    "hours": r"营业时间|停止办理|已经下班|下班了|营业结束|opening hours|business hours|closed at|shut at|we close at",
    "policy": r"规定|政策|期限|条款|规则|违规|超过了?.{0,6}(天|期)|policy|return period|window|terms|rules|days from",
}
_PUSH_BACK = (
    r"还是要|就是要|我不管|不管|无所谓|那又怎样|那又怎么样|凭什么|为什么不|不做事|照样|明明"
    r"|anyway|so what|i don'?t care|whatever|still want|why not|just do it"
)


def context_moves(agent_text: str, customer_text: str) -> tuple[str, ...]:
    """Moves that show only against the agent's last turn: pushing back on hours or on a rule."""
    if not agent_text or not customer_text or "accept_offer" in detect_moves(customer_text, after_offer=True):
        return ()
    said, answer = fold(agent_text), fold(customer_text)
    if not _compiled(_PUSH_BACK).search(answer):
        return ()
    if _compiled(_AGENT_SAID["hours"]).search(said):
        return ("out_of_hours",)
    if _compiled(_AGENT_SAID["policy"]).search(said):
        return ("insist_after_refusal",)
    return ()


_PINYIN = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜ]+\)")
def fold(text: str) -> str:
    """Simplified, lower-case, pinyin annotations dropped: the text the cue tables read."""
    return _PINYIN.sub("", to_simplified(text)).lower()


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def detect_moves(text: str, *, after_offer: bool = False) -> tuple[str, ...]:
    """The moves one customer message makes, in a fixed order."""
    folded = fold(text)
    found = [move for move, cue in _CUES.items() if _compiled(cue).search(folded)]
    if after_offer:
        stripped = folded.strip()
        rejects = _compiled(_AFTER_OFFER["reject_offer"]).search(folded)
        if rejects:
            found.append("reject_offer")
        elif _compiled(_AFTER_OFFER["accept_offer"]).search(stripped):
            found.append("accept_offer")
    return tuple(found)


_OFFER_WORDS = r"代金券|优惠券|红包|补偿|赔偿|退款|退还|积分|voucher|coupon|credit|refund|compensation|discount"


def offered_something(agent_text: str) -> bool:
    """Whether an agent turn speaks of a benefit (a fallback when no offer was recognised in it):
    a sum of money, read by the validator's offer reader, or a word of one."""
    if not agent_text:
        return False
    return bool(money_mentions(normalize(agent_text).text)) or bool(_compiled(_OFFER_WORDS).search(fold(agent_text)))


# Every move the analysis can report (the context moves are read against the agent's last turn).
MOVES: tuple[str, ...] = (*_CUES, *_AFTER_OFFER, "insist_after_refusal")
