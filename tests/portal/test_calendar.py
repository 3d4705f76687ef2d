from datetime import date, datetime

from django.urls import reverse

from apps.core.models import AuditEvent
from apps.portal import ics
from apps.portal.models import CalendarToken
from apps.portal.services import calendar_token_create


def test_it_folds_and_escapes_ics_lines():
    text = ics.calendar(
        [ics.DueEvent(uid="a@x", due=date(2026, 12, 31), summary="清源镇：每年至少1次综合演练, 含;分号" * 3)],
        name="测试", stamp=datetime(2026, 1, 1, 8, 0),
    )
    lines = text.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    assert "DTSTART;VALUE=DATE:20261231" in lines and "DTEND;VALUE=DATE:20270101" in lines
    unfolded = text.replace("\r\n ", "")
    assert "\\;分号" in unfolded and "\\," in unfolded


def test_it_serves_the_feed_to_the_token_holder_without_a_session(client, people, catalog):
    token = calendar_token_create(actor=people["township"])
    response = client.get(reverse("portal:calendar_feed", args=[token.token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR") and "BEGIN:VEVENT" in body
    assert "综合演练" in body.replace("\r\n ", "")


def test_it_refuses_unknown_and_revoked_tokens(client, people, client_for):
    assert client.get(reverse("portal:calendar_feed", args=["nope"])).status_code == 404
    token = calendar_token_create(actor=people["township"])
    response = client_for(people["township"]).post(reverse("portal:calendar_token_revoke", args=[token.pk]), follow=True)
    assert "订阅地址已撤销" in response.content.decode()
    client.logout()
    assert client.get(reverse("portal:calendar_feed", args=[token.token])).status_code == 404
    assert AuditEvent.objects.filter(action="portal.calendar_token_revoke").exists()


def test_it_refuses_to_revoke_someone_elses_token(people, client_for):
    token = calendar_token_create(actor=people["township"])
    response = client_for(people["other_township"]).post(reverse("portal:calendar_token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_it_creates_a_token_from_the_settings_page(people, client_for):
    client = client_for(people["township"])
    response = client.post(reverse("portal:calendar_token_create"), follow=True)
    token = CalendarToken.objects.get(user=people["township"])
    assert token.token in response.content.decode()
    assert "已生成新的日历订阅地址" in response.content.decode()


# Imported text as it is stored: every line-break form, iCalendar's special characters, and
# Chinese lines long enough to be folded mid-sentence.
HOSTILE_TEXTS = [
    "CR\rTEST-1",
    "LF\nTEST-2",
    "CRLF\r\nTEST-3",
    "逗号,分号;反斜杠\\冒号:结束",
    "清源镇东关村防汛抗旱应急预案修订及综合应急演练评估报告，" * 6,
    "混合\r\n\r\n\n\r行尾\x0b\x00控制字符",
]


def _strict_parse(text: str):
    from ical.calendar_stream import IcsCalendarStream

    return IcsCalendarStream.calendar_from_ics(text)


def test_a_strict_icalendar_parser_reads_every_line_break_form_and_special_character():
    events = [ics.DueEvent(uid=f"{i}@x", due=date(2026, 12, 1 + i), summary=t, description=t)
              for i, t in enumerate(HOSTILE_TEXTS)]
    text = ics.calendar(events, name="应急合规 到期事项,测试;", stamp=datetime(2026, 1, 1, 8, 0))
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert "\r" not in text.replace("\r\n", "")  # no raw CR except as the line terminator
    parsed = _strict_parse(text)
    assert len(parsed.events) == len(HOSTILE_TEXTS)
    for i, (event, original) in enumerate(zip(parsed.events, HOSTILE_TEXTS, strict=True)):
        expected = original.replace("\r\n", "\n").replace("\r", "\n").replace("\x0b", "").replace("\x00", "")
        assert event.summary == expected and event.description == expected
        assert event.dtstart == date(2026, 12, 1 + i) and event.dtend == date(2026, 12, 2 + i)


def test_the_served_feed_parses_strictly_with_a_carriage_return_in_a_stored_name(client, people, catalog, units):
    township = units["140121100000"]
    township.name = "清源镇\rCR,测试;"
    township.save()
    token = calendar_token_create(actor=people["township"])
    response = client.get(reverse("portal:calendar_feed", args=[token.token]))
    assert response.status_code == 200
    parsed = _strict_parse(response.content.decode())
    assert parsed.events
    assert any(e.summary.startswith("清源镇\nCR,测试;：") for e in parsed.events)


def test_it_puts_overdue_items_on_today_with_a_morning_alarm(client, people, catalog):
    from django.utils import timezone

    today = timezone.localdate()
    token = calendar_token_create(actor=people["township"])
    body = client.get(reverse("portal:calendar_feed", args=[token.token])).content.decode().replace("\r\n ", "")
    events = body.split("BEGIN:VEVENT")[1:]
    late = [e for e in events if "【已逾期" in e]
    assert late, "the catalog's 2025 drill is overdue"
    for event in late:
        assert f"DTSTART;VALUE=DATE:{today:%Y%m%d}" in event and "TRIGGER:PT9H" in event
    assert all(int(line.split(":")[1][:8]) >= int(f"{today:%Y%m%d}")
               for e in events for line in e.split("\r\n") if line.startswith("DTSTART"))  # nothing in the past


def test_it_offers_the_feed_as_a_qr_code_and_a_copy_button(people, client_for):
    client = client_for(people["township"])
    client.post(reverse("portal:calendar_token_create"))
    html = client.get(reverse("portal:calendar")).content.decode()
    assert '<div class="qr"' in html and "<svg" in html and 'data-copy="#feed-' in html and "复制地址" in html
