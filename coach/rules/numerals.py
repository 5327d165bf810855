"""Numbers as customer-service drafts write them: digits (with separators) and Chinese numerals."""

from __future__ import annotations

_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
    "八": 8, "九": 9, "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6, "柒": 7, "捌": 8,
    "玖": 9,
}
_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG_UNITS = {"万": 10_000, "萬": 10_000, "亿": 100_000_000}

CHINESE_NUMERAL_CHARS = "".join(_DIGITS) + "".join(_SMALL_UNITS) + "".join(_BIG_UNITS)


def parse_chinese(text: str) -> float | None:
    """Value of a Chinese numeral ("三十" 30, "一百二" 120, "两千五百" 2500, "二〇" 20), else None."""
    if not text or any(ch not in _DIGITS and ch not in _SMALL_UNITS and ch not in _BIG_UNITS for ch in text):
        return None
    if not any(ch in _SMALL_UNITS or ch in _BIG_UNITS for ch in text):
        # Plain digit strings: "二〇" -> 20.
        return float(int("".join(str(_DIGITS[ch]) for ch in text)))
    total = 0
    section = 0
    digit: int | None = None
    last_unit = 1
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _SMALL_UNITS:
            unit = _SMALL_UNITS[ch]
            section += (1 if digit is None else digit) * unit
            last_unit = unit
            digit = None
        else:
            unit = _BIG_UNITS[ch]
            section += digit or 0
            total += section * unit
            section = 0
            digit = None
            last_unit = unit
    if digit is not None:
        # "一百二" means 120: a trailing digit after a unit is one order below that unit.
        if last_unit >= 100 and len(text) >= 2 and text[-2] in _SMALL_UNITS:
            section += digit * (last_unit // 10)
        else:
            section += digit
    return float(total + section)


def parse_number(text: str) -> float | None:
    """Digits ("1,200.50") or Chinese numerals; None when it is neither."""
    cleaned = text.replace(",", "").replace(" ", "")
    if not cleaned:
        return None
    try:
        return float(cleaned)
    except ValueError:
        pass
    if cleaned[-1] in _BIG_UNITS or cleaned[-1] in _SMALL_UNITS:
        # "2万", "1.5千": digits with a unit character.
        try:
            unit = _BIG_UNITS.get(cleaned[-1]) or _SMALL_UNITS[cleaned[-1]]
            return float(cleaned[:-1]) * unit
        except ValueError:
            pass
    return parse_chinese(cleaned)
