"""Free text typed by users: refuse the invisible characters that change what a reader sees.

Pure functions, no Django imports: evidence forms, imports and the API, review notes and 督办
text all call ``check_text``.

Refused: C0/C1 control characters (BEL, ESC, a lone CR, ...) and the Unicode bidirectional
controls (U+202A–U+202E embeddings and overrides such as U+202E RIGHT-TO-LEFT OVERRIDE,
U+2066–U+2069 isolates, U+200E/U+200F/U+061C marks): an override makes 「abc」 display as
「cba」, so a record or a 督办 could read differently from what is stored and audited. Multi-line
fields keep line breaks: a browser textarea sends CR LF, read as LF.
"""

from __future__ import annotations

import unicodedata
from datetime import date

_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


class TextRefused(ValueError):
    pass


def _describe(char: str) -> str:
    return f"U+{ord(char):04X}"


def check_text(value: str, *, multiline: bool = False) -> str:
    """``value`` with CR LF read as LF in multi-line text; raises TextRefused (a Chinese reason
    naming the code point) for a control or bidi character."""
    if multiline:
        value = value.replace("\r\n", "\n")
    for char in value:
        if char in _BIDI_CONTROLS:
            raise TextRefused(f"含有改变文字显示方向的控制字符（{_describe(char)}），请删除后重新填写")
        if char == "\n" and multiline:
            continue
        if unicodedata.category(char) == "Cc":
            raise TextRefused(f"含有不可见的控制字符（{_describe(char)}，如回车、响铃），请删除后重新填写")
    return value


def chinese_date(value: date) -> str:
    """2026-12-01 -> 2026年12月1日: a date in prose (issue 15's one date style; apps.core.dates
    prose_date adds the local time of a datetime)."""
    return f"{value.year}年{value.month}月{value.day}日"
