"""Numbers as customer-service drafts write them: digits (with separators) and Chinese numerals."""

from __future__ import annotations

import re

_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
    "八": 8, "九": 9, "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6, "柒": 7, "捌": 8,
    "玖": 9,
}
_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG_UNITS = {"万": 10_000, "萬": 10_000, "亿": 100_000_000}

CHINESE_NUMERAL_CHARS = "".join(_DIGITS) + "".join(_SMALL_UNITS) + "".join(_BIG_UNITS)

# English number words ("a hundred and twenty", "fifty", "two thousand five hundred").
_EN_ONES = {
    "a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
_EN_SCALES = {"hundred": 100, "thousand": 1000, "grand": 1000}
_EN_WORD = "|".join(sorted((*_EN_ONES, *_EN_SCALES), key=len, reverse=True))
# A run of number words as money reads it: it must hold a word other than "a" ("a hundred").
ENGLISH_NUMBER = rf"\b(?:(?:{_EN_WORD})(?:[\s-]+(?:and[\s-]+)?|(?=\s*[^a-z])))+"
# A multiplier written after digits: "$1.2k", "2.5k".
_SUFFIXES = {"k": 1000}
# Continental separators: "1.200,50" and "3.000.000" (dots between thousands; a lone "1.200" stays
# 1.2), "120,00" (a decimal comma: one or two digits after it, where English would put three).
_DOT_THOUSANDS = re.compile(r"[1-9]\d{0,2}(?:(?:\.\d{3})+,\d{1,2}|(?:\.\d{3}){2,})")
_DECIMAL_COMMA = re.compile(r"\d+,\d{1,2}")


def parse_english(text: str) -> float | None:
    """Value of English number words ("a hundred and twenty" 120, "fifty" 50), else None."""
    words = [w for w in text.replace("-", " ").split() if w != "and"]
    if not words or words == ["a"] or any(w not in _EN_ONES and w not in _EN_SCALES for w in words):
        return None
    total = current = 0
    for w in words:
        if w in _EN_ONES:
            current += _EN_ONES[w]
        elif w == "hundred":
            current = (current or 1) * 100
        else:
            total += (current or 1) * _EN_SCALES[w]
            current = 0
    return float(total + current)


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
    if text[:1].isalpha() and text.isascii():
        return parse_english(text.strip())
    compact = text.replace(" ", "")
    if _DOT_THOUSANDS.fullmatch(compact) or _DECIMAL_COMMA.fullmatch(compact):
        return float(compact.replace(".", "").replace(",", "."))
    cleaned = compact.replace(",", "")
    if not cleaned:
        return None
    if cleaned[-1] in _SUFFIXES and cleaned[:-1].replace(".", "", 1).isdigit():
        return float(cleaned[:-1]) * _SUFFIXES[cleaned[-1]]
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
