"""Find the quantities a measure states: amounts, multiples, percentages, dates, durations
and counts, in Chinese or Arabic numerals, with their units and bounds.

    >>> [(q.kind, q.value, q.unit) for q in quantities("处二千元以上五万元以下罚款")]
    [('amount', '2000-50000', '元')]

Values are normalised so that two texts can be compared: amounts in 元 (二千元 and 2000元
and 0.2万元 are all ``2000``), durations in their own unit (天 → 日, 个月 → 月), dates as
``2020``, ``2020-06`` or ``2020-06-30``, ranges as ``low-high``. Numbers that only name
something are left out: ordinals (第三条, 第二款), document numbers (国函〔2015〕81号) and codes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .normalize import CHINESE_DIGITS

_CN_DIGITS = CHINESE_DIGITS
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_CN_LARGE = {"万": 10_000, "亿": 100_000_000}
_CN = "零〇○一二两三四五六七八九十百千万亿"
# Full-width digits and signs, mapped one character to one so that spans stay true.
_WIDTH = str.maketrans("０１２３４５６７８９．％，", "0123456789.%,")

_ARABIC = r"\d+(?:,\d{3})*(?:\.\d+)?[万亿千]?"
_CHINESE = rf"[{_CN}]+"
_NUMBER = rf"(?:{_ARABIC}|{_CHINESE})"
_RANGE_JOIN = r"(?:至|到|-|—|～|~)"

#: Units by kind, longest first; the first group is the unit as written.
_UNITS: tuple[tuple[str, str], ...] = (
    ("amount", r"(?:万|亿|千)?(?:元人民币|美元|欧元|港元|元)"),
    ("multiple", r"倍"),
    ("percentage", r"[%％]"),
    ("duration", r"(?:个)?(?:工作日|小时|分钟|日|天|周|星期|个月|月|年)"),
    ("count", r"(?:个|家|项|次|名|人|所|座|批|架|台|套|种|件|户|位|只|头|张|份)"),
)
_YEAR = r"(?:1[89]\d\d|20\d\d|[一二][〇○零一二三四五六七八九]{3})"
_DATE = re.compile(
    rf"(?P<year>{_YEAR})年(?:(?P<month>\d{{1,2}}|[一二三四五六七八九十]{{1,3}})月"
    rf"(?:(?P<day>\d{{1,2}}|[一二三四五六七八九十]{{1,3}})日)?)?"
)
_PERCENT_WORDS = re.compile(
    rf"百分之(?P<a>{_NUMBER})|(?P<den>{_NUMBER})分之(?P<num>{_NUMBER})"
)
_QUANTITY = re.compile(
    rf"(?:(?P<low>{_NUMBER})(?P<lowunit>(?:万|亿|千)?(?:元人民币|美元|元)|倍|[%％]|个月|日|年)?"
    rf"(?:以上|{_RANGE_JOIN}))?(?P<number>{_NUMBER})"
    rf"(?P<unit>{'|'.join(f'(?P<{kind}>{pattern})' for kind, pattern in _UNITS)})"
)
_BEFORE = (
    "不得超过",
    "不得低于",
    "不得少于",
    "不超过",
    "不高于",
    "不低于",
    "不少于",
    "不多于",
    "不足",
    "超过",
    "低于",
    "高于",
    "少于",
    "多于",
    "达到",
    "最高",
    "最低",
    "至少",
    "最多",
    "延长至",
    "缩短至",
    "降为",
    "降至",
    "提高至",
    "提高到",
)
_AFTER = (
    "以上",
    "以下",
    "以内",
    "之内",
    "内",
    "底前",
    "年底前",
    "前",
    "以前",
    "后",
    "起",
)
#: A numeral right after one of these names something (第三条) or is part of a word (统一).
_NOT_AFTER = set("第之同唯统单逐每万") | {"〔", "[", "（"}
#: Characters that make a following numeral part of a code or a document number.
_NOT_BEFORE_DOC = re.compile(r"^\s*号")


@dataclass(frozen=True)
class Quantity:
    """A number with its unit, as a measure states it.

    :param kind: ``amount``, ``multiple``, ``percentage``, ``date``, ``duration`` or ``count``.
    :param value: normalised: ``2000``, ``2000-50000``, ``49``, ``2020-06``.
    :param unit: normalised: ``元``, ``美元``, ``倍``, ``%``, ``日``, ``月``, ``年``, ``个``…
    :param qualifier: the bound stated with it (不超过, 以下, 内, 前) or ``range``.
    :param text: the words read, exactly as in the source, ``source[start:end]``.
    """

    kind: str
    value: str
    unit: str
    qualifier: str
    text: str
    start: int
    end: int

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def parse_number(numeral: str) -> Decimal | None:
    """Parse a Chinese or Arabic numeral, with 万 and 亿: 二千 → 2000, 5万 → 50000, 1.5亿.

    >>> parse_number("一百五十万"), parse_number("3.5万"), parse_number("二〇二〇")
    (Decimal('1500000'), Decimal('35000.0'), Decimal('2020'))
    """
    numeral = numeral.translate(_WIDTH).replace(",", "").strip()
    if not numeral:
        return None
    head = numeral[:-1] if numeral[-1] in "万亿千" else numeral
    if re.fullmatch(r"\d+(?:\.\d+)?", head):
        scale = {"万": 10_000, "亿": 100_000_000, "千": 1000}.get(numeral[-1], 1)
        return Decimal(head) * scale if head != numeral else Decimal(numeral)
    if all(c in "零〇○一二三四五六七八九" for c in numeral) and len(numeral) > 1:
        # read digit by digit: 二〇二〇
        return Decimal("".join(str(_CN_DIGITS[c]) for c in numeral))
    return _parse_chinese(numeral)


def _parse_chinese(numeral: str) -> Decimal | None:
    total, section, digit = 0, 0, None
    for char in numeral:
        if char in _CN_DIGITS:
            digit = _CN_DIGITS[char]
        elif char in _CN_SMALL:
            section += (1 if digit is None else digit) * _CN_SMALL[char]
            digit = None
        elif char in _CN_LARGE:
            section += digit or 0
            if section == 0:
                section = 1
            total += section * _CN_LARGE[char]
            section, digit = 0, None
        else:
            return None
    return Decimal(total + section + (digit or 0))


def _plain(value: Decimal) -> str:
    try:
        value = value.normalize()
    except InvalidOperation:  # pragma: no cover - only for NaN
        return str(value)
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _scaled(amount: Decimal, unit: str) -> tuple[Decimal, str]:
    scale = {"万": 10_000, "亿": 100_000_000, "千": 1000}.get(unit[:1], 1)
    base = unit[1:] if scale != 1 else unit
    return amount * scale, {"元人民币": "元"}.get(base, base)


def _normal_unit(kind: str, unit: str) -> str:
    if kind == "duration":
        unit = unit.removeprefix("个") if unit != "个月" else "月"
        return {"天": "日", "星期": "周", "个月": "月"}.get(unit, unit)
    if kind == "percentage":
        return "%"
    return unit


def _qualifier(text: str, start: int, end: int) -> str:
    before = next((w for w in _BEFORE if text.endswith(w, 0, start)), "")
    after = next((w for w in _AFTER if text.startswith(w, end)), "")
    return "".join(filter(None, (before, after)))


def _excluded(text: str, start: int) -> bool:
    """A numeral that names something or belongs to a word: 第三, 统一, 国函〔2015〕."""
    if start == 0:
        return False
    before = text[start - 1]
    # 上一年, 下一步: "the previous year", not one year
    return before in _NOT_AFTER or (before in "上下" and text.startswith("一", start))


def quantities(text: str) -> tuple[Quantity, ...]:
    """Find every quantity in ``text``, in reading order, with spans into ``text``."""
    source = text.translate(_WIDTH)
    found: list[Quantity] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    for match in _DATE.finditer(source):
        if _excluded(source, match.start()) or source.startswith("〕", match.end() - 1):
            continue
        parts = [str(parse_number(match["year"]))]
        for name in ("month", "day"):
            if match[name]:
                parts.append(f"{int(parse_number(match[name])):02d}")
        q = _quantity(
            source, text, "date", "-".join(parts), "年", match.start(), match.end()
        )
        found.append(q)
        taken.append((match.start(), match.end()))
    for match in _PERCENT_WORDS.finditer(source):
        if not free(match.start(), match.end()) or _excluded(source, match.start()):
            continue
        if match["a"]:
            value = parse_number(match["a"])
        else:
            num, den = parse_number(match["num"]), parse_number(match["den"])
            value = num * 100 / den if num is not None and den else None
        if value is None:
            continue
        value = value.quantize(Decimal("0.01")) if match["den"] else value
        q = _quantity(
            source, text, "percentage", _plain(value), "%", match.start(), match.end()
        )
        found.append(q)
        taken.append((match.start(), match.end()))
    for match in _QUANTITY.finditer(source):
        a, b = match.start(), match.end()
        if not free(a, b) or _excluded(source, a) or _NOT_BEFORE_DOC.match(source[b:]):
            continue
        q = _from_match(source, text, match)
        if q is not None:
            found.append(q)
            taken.append((a, b))
    return _merge_ranges(source, text, sorted(found, key=lambda q: q.start))


def _merge_ranges(
    source: str, text: str, found: list[Quantity]
) -> tuple[Quantity, ...]:
    """Join two quantities of one kind written as a range: 百分之十以上百分之五十以下."""
    merged: list[Quantity] = []
    for q in found:
        last = merged[-1] if merged else None
        if (
            last is not None
            and (last.kind, last.unit) == (q.kind, q.unit)
            and "-" not in last.value + q.value
            and source[last.end : q.start] in ("以上", "至", "到", "-", "—", "～", "~")
        ):
            end = q.end + (2 if source.startswith("以下", q.end) else 0)
            merged[-1] = Quantity(
                q.kind,
                f"{last.value}-{q.value}",
                q.unit,
                "range",
                text[last.start : end],
                last.start,
                end,
            )
        else:
            merged.append(q)
    return tuple(merged)


def _from_match(source: str, text: str, match: re.Match) -> Quantity | None:
    kind = next(k for k, _ in _UNITS if match[k])
    unit = match["unit"]
    high = parse_number(match["number"])
    if high is None:
        return None
    low = parse_number(match["low"]) if match["low"] else None
    if match["low"] and low is None:
        return None
    if kind == "amount":
        high, unit_out = _scaled(high, unit)
        if low is not None:
            low_unit = match["lowunit"] or unit
            low, _ = _scaled(low, low_unit if "元" in low_unit else unit)
    else:
        unit_out = _normal_unit(kind, unit)
    if kind == "count" and match["low"] is None and _is_word(source, match):
        return None
    value = _plain(high) if low is None else f"{_plain(low)}-{_plain(high)}"
    if low is None:
        return _quantity(
            source, text, kind, value, unit_out, match.start(), match.end()
        )
    end = match.end() + (2 if source.startswith("以下", match.end()) else 0)
    return Quantity(
        kind, value, unit_out, "range", text[match.start() : end], match.start(), end
    )


#: Numeral + measure word pairs that are words, not counts (一次性, 一批 …的 are counts).
_COUNT_WORDS = ("一次性", "一人有限", "一家一户", "千家万户", "一体", "万人")


def _is_word(source: str, match: re.Match) -> bool:
    return any(source.startswith(w, match.start()) for w in _COUNT_WORDS)


def _quantity(
    source: str, text: str, kind: str, value: str, unit: str, start: int, end: int
) -> Quantity:
    qualifier = _qualifier(source, start, end)
    return Quantity(kind, value, unit, qualifier, text[start:end], start, end)
