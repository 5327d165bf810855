"""Compiled vocabulary of offers: amounts, forms of compensation, offer cues, negation, markers.

Every pattern here matches the *normalised* text (Simplified, half-width, lower-case; see
normalize.py) and is compiled once at import.
"""

from __future__ import annotations

import re

from coach.rules.markers import Vocabulary
from coach.rules.prefilter import gate
from coach.rules.regex_tools import fast_source, split_alternatives
from coach.rules.numerals import CHINESE_NUMERAL_CHARS, ENGLISH_NUMBER

_CN = f"[{CHINESE_NUMERAL_CHARS}]+"
_DIG = r"\d+(?:,\d{3})*(?:\.\d+)?"
NUM = f"(?:{_DIG}|{_CN})"
# A number token as MONEY reads it: starts with a digit or numeral (so `re` can skip other positions
# by a charset test), parsed afterwards by numerals.parse_number.
_NUMTOK = f"[0-9{CHINESE_NUMERAL_CHARS}][0-9{CHINESE_NUMERAL_CHARS},.]*"

# Sentence particles and adverbs that may follow a sum ("给你一千块总可以了吧", "补你50块吧", "给你200，
# 满意了吧", "500就500"): after "块" they show it is money, not a measure word before a noun.
_PARTICLE = "吧呢啊呀了嘛啦喇咯总就都也还给作当补"
# Units after a number. "块" is money only when not a measure word ("两块电池"): it must be followed
# by money words, a particle or no Han character at all.
_CNY_AFTER = rf"(?:块钱|元钱|元|圆|块(?=钱|的|红包|代金|优惠|现金|券|[{_PARTICLE}]|[^\u4e00-\u9fff]|$)|人民币|rmb|cny|yuan|kuai)"
_USD_AFTER = r"(?:美元|美金|刀(?![\u4e00-\u9fff])|usd|dollars?|bucks)"
_CNY_BEFORE = r"(?:¥|rmb\s?|cny\s?|人民币)"
_USD_BEFORE = r"(?:us\$|\$|usd\s?)"

# Other currencies, by the mark before or the word after the amount (Hong Kong, Taiwan, pounds, euros,
# Australian and Singapore dollars).
OTHER_BEFORE = {"hk$": "HKD", "nt$": "TWD", "£": "GBP", "€": "EUR", "a$": "AUD", "au$": "AUD", "s$": "SGD",
                "hkd": "HKD", "twd": "TWD", "gbp": "GBP", "eur": "EUR", "aud": "AUD", "sgd": "SGD"}
OTHER_AFTER = {"旧水": "HKD", "港元": "HKD", "港币": "HKD", "港纸": "HKD", "蚊": "HKD", "新台币": "TWD", "台币": "TWD", "英镑": "GBP",
               "欧元": "EUR", "pounds": "GBP", "pound": "GBP", "quid": "GBP", "euros": "EUR", "euro": "EUR",
               "hkd": "HKD", "twd": "TWD", "gbp": "GBP", "eur": "EUR", "aud": "AUD", "sgd": "SGD"}
_OTHER_BEFORE = "|".join(re.escape(k) + (r"\s?" if k.isalpha() else "") for k in sorted(OTHER_BEFORE, key=len, reverse=True))
_OTHER_AFTER = "|".join(re.escape(k) + (r"\b" if k.isascii() else "") for k in sorted(OTHER_AFTER, key=len, reverse=True))
# Hong Kong slang: "一旧水" is a hundred dollars.
UNIT_MULTIPLIER = {"旧水": 100}
# A currency named before a sum written with a yuan unit ("港币伍佰元正", "新台币500元").
CURRENCY_BEFORE_WORD = {"港币": "HKD", "港元": "HKD", "港纸": "HKD", "新台币": "TWD", "台币": "TWD", "美元": "USD",
                        "美金": "USD", "欧元": "EUR", "英镑": "GBP"}
# The number: continental "1.250,00" first (dots between thousands, a decimal comma), else "1,250.00".
MONEY_BEFORE = re.compile(rf"(?P<cur>{_OTHER_BEFORE}|¥|us\$|\$|rmb|cny|usd|人民币)\s*(?P<n>\d{{1,3}}(?:\.\d{{3}})+,\d{{1,2}}(?!\d)|\d+(?:,\d{{3}})*(?:\.\d+)?(?:k\b)?)")
# English number words before a currency word ("a hundred and twenty dollars", "fifty quid").
MONEY_WORDS = re.compile(rf"(?P<n>{ENGLISH_NUMBER})\s*(?:(?P<oth>pounds?|quid|euros?)\b|(?P<usd>dollars?|bucks)\b)")
# A bare sum given without a unit, right after a giving verb and before the clause ends or a
# particle ("给你200，", "给您补1500。"), or accepted in the customer's own figure ("500就500").
BARE_SUM = re.compile(rf"(?:给(?:您|你)(?:补|赔)?|补(?:您|你|给您|给你)?|赔(?:您|你|给您|给你)?)\s*(?P<n>\d+(?:\.\d+)?)(?=\s*(?:[，。！？,.!?；;~]|$|[{_PARTICLE}]))"
                      rf"|(?P<same>\d+(?:\.\d+)?)就(?P=same)(?![\d.])")
MONEY_AFTER = re.compile(rf"(?P<n>{_NUMTOK})\s*(?:(?P<oth>{_OTHER_AFTER})|(?P<cny>{_CNY_AFTER})|(?P<usd>{_USD_AFTER}))")
USD_MARKS = frozenset({"$", "us$", "usd"})
POINTS = re.compile(rf"(?P<n>{_NUMTOK})\s*(?:个)?(?:积分|点数|点红利|points?\b)")
DISCOUNT = re.compile(r"打[一二三四五六七八九\d.]+折|(?P<pct>\d{1,2})\s*%\s*off\b|\bdiscount\b|折扣")

# "20 + 30 = 50元": a restated or raised total, read as one offer. Two patterns, one starting with
# the number and one with the currency mark, so that each starts with a literal or a class.
_UNIT = rf"(?:{_CNY_AFTER}|{_USD_AFTER})?"
_TERM = rf"(?:(?:¥|rmb\s?|cny\s?|人民币|us\$|\$|usd\s?)\s*)?{_NUMTOK}\s*{_UNIT}"
_SUM_TAIL = rf"(?:\s*(?:\+|加上?|plus)\s*{_TERM})+\s*(?:=|等于|一共是?|总共是?|合计|共计?|equals|makes|comes to)\s*"
SUM = re.compile(rf"{_NUMTOK}\s*{_UNIT}{_SUM_TAIL}")
SUM_CUR = re.compile(rf"(?:¥|rmb|cny|人民币|us\$|\$|usd)\s*{_NUMTOK}\s*{_UNIT}{_SUM_TAIL}")

# Forms of compensation, most specific first. (kind, pattern)
FORMS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("voucher", r"代金券|优惠券|抵用券|购物券|现金券|礼券|折扣券|礼品卡|折价券|抵用金|购物金|无门槛券|满减券|券|\bvouchers?\b|\bcoupons?\b|gift ?cards?"),
        ("red_packet", r"红包|red (?:packet|envelope)s?"),
        ("credit", r"账户余额|余额|储值金|回馈金|store credit|account credit|\bcredit\b"),
        ("refund", r"退款|退费|退还|退回|退返|退您|退给您|退(?:运|邮)费|退差价|\brefund(?:ed)?\b|money back"),
        ("cash", r"现金|打到您的?(?:银行卡|支付宝|微信)|\bcash\b"),
    )
)
BENEFITS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("capitulation", r"您说多少就多少|您说多少就给?多少|您要多少就给?多少|您说怎么(?:办|处理)就怎么(?:办|处理)|都听您的|"
            r"就?按您说的(?:办|来|处理|赔)|全部?按您的要求(?:办|处理|赔)|全都?(?:赔|退)给您|(?:全部|所有(?:损失|费用)?)由我们(?:来)?(?:承担|负责|赔)|"
            r"\byou win\b|whatever you (?:want|say|ask for)|(?:we'll|we will|i'll|i will) cover (?:all|everything|the whole)|"
            r"have it your way|as much as you want|name your price"),
        ("replacement", r"换新|换(?:一|两)?(?:个|台|部|件|只)?(?:新的|新机|新品|全新)|更换新(?:机|品|的)|给您换货|换货|\breplacement\b|replace (?:it|the|your)|brand[- ]new (?:one|unit|device|phone)"),
        ("free_visit", r"免费上门|上门(?:服务|检测|维修)?(?:也)?免费|free (?:home |on-?site )?visits?|technician .{0,20}free of charge"),
        ("free_repair", r"免费(?:维修|修理|修复|保修|换屏|更换)|(?:维修|修理)(?:费用?)?(?:全)?免费|free (?:of charge )?repairs?|repair (?:it )?(?:for free|at no (?:cost|charge))"),
        ("fee_waiver", r"免(?:收|除|去|掉)(?:您的?)?[\u4e00-\u9fff]{0,4}费|不(?:收|收取|用付|用支付|需要?支付)(?:您的?)?[\u4e00-\u9fff]{0,4}费|"
            r"包邮|免(?:运|邮|上门|服务|安装|维修|检测|手续)费|运费(?:也)?(?:由我们|我们来?)(?:来)?(?:承担|出|付)|费(?:用)?(?:我们)?(?:也)?(?:给您|帮您|为您)(?:免了|免掉|全免|减免了?)|\bwaive\b|\bwaived\b|free (?:shipping|delivery)|\bcover (?:the |your )?(?:return )?(?:shipping|postage|delivery)\b|no (?:shipping|service|handling|call-?out) (?:fee|charge)"),
        ("upgrade", r"升级(?:为|到|成)|免费升级|\bupgrade\b"),
        ("extra", r"赠品|礼品|小礼物|礼物|送(?:您|你)(?:一|两|1|2)(?:个|根|张|份|件|台|支|瓶|盒|套)|\bthrow(?:ing)? in\b|\bfree months?\b|\bmonths? (?:of [a-z]+ )?(?:for )?free\b|\bon the house\b"),
        ("money", r"补偿金|赔偿金|补偿|赔偿|\bcompensat\w*"),
    )
)
MONEY_KINDS = frozenset({"money", "voucher", "red_packet", "credit", "refund", "cash"})
# How valuable a form is, for "a swap to a more valuable form" (same amount, better form).
FORM_RANK = {"money": 0, "points": 1, "voucher": 2, "red_packet": 3, "credit": 3, "refund": 4, "cash": 4}

# --- Marker words, read around each benefit (scanned together: markers.py) -----------------
# The agent doing something for the customer, before the benefit.
CUE = (
    r"给您|给你|为您|为你|帮您|帮你|替您|补您|补给|补偿|赔偿|赔您|赔给|送您|送你|赠送|赠您|返您|返还|退您|发您|发放|"
    r"申请|争取|安排|提供|承担|报销|补发|加送|再送|再给|再补|再加|额外|多给|我们来|我们会|我们将|我这边|愿意|"
    r"可以给|能给|那就|就给|发给|奉上|追加|提高到|提到|增加到|涨到|调整到|调整为|提升到|升级|"
    r"\bi(?:'ll| will| can| could| would|'d| am going to|'m going to)\b|\bwe(?:'ll| will| can| could| would|'d| are going to|'re going to)\b|"
    r"\blet me\b|\boffer\b|\bgive you\b|\bsend you\b|\b(?:also|then|and) (?:send|give|add|include|refund|issue)\b|\bissue\b|\bhappy to\b|\bglad to\b|\bhow about\b|"
    r"\byou(?:'ll| will) (?:get|receive|have)\b|\bi(?:'ve| have) (?:added|applied|issued|credited|arranged|sent|put|placed|loaded|refunded|reimbursed|transferred|deposited)\b|\bwe(?:'ve| have) (?:added|applied|issued|credited|arranged|sent|put|placed|loaded|refunded|reimbursed|transferred|deposited)\b|"
    r"\bcredit(?:ed)? (?:you|your)\b|\brefund you\b|\bcover\b|\barrange\b|\bprovide\b|\bon top\b|"
    r"俾你|畀你|我哋会|我哋将|补返|退返|赔返|"  # written Cantonese: give you, we will, give back
    r"向(?:您|你|阁下)(?:支付|赔付|发放|退还|补偿)|"  # formal: "将向阁下支付…"
    # depositing into the customer's account: "已经在您的账户存入1500元购物金"
    r"(?:在|往|向|给|为)(?:您|你)的?.{0,4}?(?:账户|帐户|账号|帐号|卡|钱包|余额)(?:里|中|内|上)?(?:存入|充值|充入|打入|转入|汇入|加入|补入|存了|充了|打了|转了)"
)
# Cues that are also the customer's words ("您要求赔偿"): they do not undo a quoted demand.
WEAK_CUES = frozenset({"补偿", "赔偿", "申请", "提供", "争取", "承担", "报销", "offer", "cover", "provide"})
# The agent giving, right after the benefit ("20元补偿给您", "$10 credit to you").
CUE_AFTER = r"给您|给你|补给您|补偿给您|发给您|俾你|畀你|to you|for you|on us|on the house"
# The benefit named first and given later in its clause, in the passive ("a payment of €120 will be
# transferred to your account", "399元会原路退回到您的账户").
CUE_LATER = (
    r"\bwill be (?:transferred|credited|refunded|paid|sent|issued|added|deposited|reimbursed|returned|applied)\b|"
    r"\b(?:has|have) (?:now )?been (?:transferred|credited|refunded|paid|issued|added|deposited|reimbursed|applied)\b|"
    r"(?:会|将)(?:在[^，。,]{0,8})?(?:原路|直接|全部|全额)?(?:退回|退还|返还|退到|打到|转到|转入|存入|汇入|汇到|到账)"
)
# Whose the sum is, just before it: the customer's own ("您的200元退款会原路退回"), not given.
POSSESSED = re.compile(r"(?:您的|你的|\byour\b)[^，。,.;]{0,16}$")
NEGATION = (
    r"不能|不会|不可以|不可能|无法|没法|没办法|没有办法|不予|不给|不提供|不退|不再|不行|不支持|不包括|不属于|不在|不享受|未能|拒绝|"
    r"不了|不能够|不符合|\bcan't\b|\bcannot\b|\bcan not\b|\bwon't\b|\bwill not\b|\bunable\b|\bnot able\b|\bnot possible\b|"
    r"\bdon't\b|\bdo not\b|\bisn't\b|\bis not\b|\bnot eligible\b|\bnot covered\b|\bno longer\b|\bwouldn't\b|\bcouldn't\b|\bnever\b"
)
# The customer's own demand, quoted back: not an offer.
DEMAND = (
    r"您(?:要求|提出|希望|想要|所说|说的|期望|的诉求|的要求|要的|索要|主张)|客户要求|"
    r"\byou(?:'re| are)? ask(?:ed|ing)? for\b|\byou want(?:ed)?\b|\byour request\b|\byou requested\b|\byou demand(?:ed)?\b|\byou mentioned\b"
)
RESTATE = (
    r"之前|此前|刚才|已经|已为您|已给您|已帮您|已申请|已发放|已到账|前面|上次|上回|仍然|依然|依旧|原来的|原先|照旧|如前所述|还是那|这笔|"
    r"\balready\b|\bpreviously\b|\bas mentioned\b|\bas i (?:said|mentioned)\b|\bearlier\b|\blast time\b"
)
# Only before the amount ("on top of the $10": the $10 is the base) or only after it ("20元的基础上",
# "the $10 from before"): the same words on the other side mark the NEW amount.
RESTATE_BEFORE = r"\bon top of (?:the|your|that|what)\b|在原有的|在原来的"
RESTATE_AFTER = r"基础上|基础之上|\bfrom before\b|\bwe (?:already )?(?:offered|agreed)\b|\bstill\b|\bremains?\b|\bstands\b"
INCREMENT = r"再|加|另外|另|额外|多|追加|加送|\badditional\b|\bextra\b|\banother\b|\bmore\b|\bon top\b|\bas well\b|\balso\b"
TOTAL = (
    r"一共|总共|合计|共计|总计|累计|加起来|提高到|提到|增加到|加到|涨到|调整到|调整为|提升到|"
    r"\bin total\b|\baltogether\b|\btotal of\b|\bbring(?:ing)? (?:it|that|the total) to\b|\b(?:raise|increase|bump)(?:d)? (?:it|that|this|the offer|your compensation)(?: up)? to\b"
)
# Where a clause ends: offers, cues and negations are read within one clause. "," inside "1,000"
# and "." inside "2.5" or "e.g" are not ends (filtered in offers.clause_ends).
CLAUSE_END = re.compile(r"[。！？!?；;，\n,.]")

VOCAB = Vocabulary({
    "cue": CUE, "cue_after": CUE_AFTER, "cue_later": CUE_LATER, "negation": NEGATION, "demand": DEMAND, "restate": RESTATE,
    "restate_before": RESTATE_BEFORE, "restate_after": RESTATE_AFTER,
    "increment": INCREMENT, "total": TOTAL,
    **{f"benefit:{kind}": p.pattern for kind, p in BENEFITS},
    **{f"form:{kind}": p.pattern for kind, p in FORMS},
})
# Benefit kinds in the order they claim text: specific wordings, then forms, then bare "补偿".
WORD_KINDS: tuple[tuple[str, str], ...] = (
    *((f"benefit:{k}", k) for k, _ in BENEFITS if k != "money"),
    *((f"form:{k}", k) for k, _ in FORMS),
    ("benefit:money", "money"),
)
FORM_TAGS = {f"form:{k}": k for k, _ in FORMS}

# --- Gated regex mentions (prefilter.py) ------------------------------------------------------
MONEY_BEFORE_G = gate(MONEY_BEFORE)
MONEY_AFTER_G = gate(MONEY_AFTER)
MONEY_WORDS_G = gate(MONEY_WORDS)
BARE_SUM_G = gate(BARE_SUM)
SUM_EQUALS = ("=", "等于", "一共", "总共", "合计", "共", "equals", "makes", "comes to")
POINTS_G = gate(POINTS)
DISCOUNT_G = gate(DISCOUNT)
SUM_G = gate(SUM)
SUM_CUR_G = gate(SUM_CUR)
# Registry gates of every benefit or form wording: when none is active, a text offers nothing.
_BENEFIT_GATES = [gate(alt) for _, p in (*BENEFITS, *FORMS) for alt in split_alternatives(fast_source(p.pattern)) if alt]
MENTION_GATE_IDS = frozenset(
    g.id for g in (MONEY_BEFORE_G, MONEY_AFTER_G, MONEY_WORDS_G, BARE_SUM_G, POINTS_G, DISCOUNT_G, SUM_G, SUM_CUR_G, *_BENEFIT_GATES)
)
# Wordings that carry their own offer cue ("给您免了"): offered without looking further back.
SELF_OFFERING = re.compile(r"给您|帮您|为您|由我们|我们来|送您|送你")
