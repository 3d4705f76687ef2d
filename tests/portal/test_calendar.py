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
