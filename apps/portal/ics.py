"""A minimal iCalendar (RFC 5545) writer for due dates: all-day events, folded lines, escaped
text. Pure: takes plain tuples, returns text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta


@dataclass(frozen=True)
class DueEvent:
    uid: str
    due: date
    summary: str
    description: str = ""
    # When the phone reminds: a week before by default; an overdue task (moved to today) at 09:00.
    alarm: str = "-P7D"


# Control characters other than HTAB are not allowed in iCalendar text (RFC 5545 3.3.11,
# TSAFE-CHAR); strict clients reject the whole feed for one of them.
_CONTROL = dict.fromkeys([*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F])


def _escape(text: str) -> str:
    """TEXT value escaping. Every line break form stored in imported text (CRLF, LF, and a lone
    CR, which Excel on a Mac still writes) becomes the escaped ``\\n``; a lone CR left raw
    ends the content line early and the feed is rejected."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROL)
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """Lines longer than 75 octets are folded (RFC 5545 3.1); never split a UTF-8 character."""
    out, current = [], ""
    for ch in line:
        limit = 75 if not out else 74
        if len((current + ch).encode()) > limit:
            out.append(current)
            current = ch
        else:
            current += ch
    out.append(current)
    return [out[0]] + [" " + part for part in out[1:]]


def calendar(events: list[DueEvent], *, name: str, stamp: datetime) -> str:
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//yingji-hegui//portal//ZH", "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH", f"X-WR-CALNAME:{_escape(name)}", "X-WR-TIMEZONE:Asia/Shanghai",
    ]
    dtstamp = stamp.strftime("%Y%m%dT%H%M%SZ")
    for e in events:
        lines += [
            "BEGIN:VEVENT", f"UID:{e.uid}", f"DTSTAMP:{dtstamp}",
            f"DTSTART;VALUE=DATE:{e.due:%Y%m%d}", f"DTEND;VALUE=DATE:{e.due + timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_escape(e.summary)}",
        ]
        if e.description:
            lines.append(f"DESCRIPTION:{_escape(e.description)}")
        lines += ["BEGIN:VALARM", "ACTION:DISPLAY", f"TRIGGER:{e.alarm}", f"DESCRIPTION:{_escape(e.summary)}", "END:VALARM",
                  "END:VEVENT"]
    lines.append("END:VCALENDAR")
    folded = [part for line in lines for part in _fold(line)]
    return "\r\n".join(folded) + "\r\n"
