"""Issue 17: 「查看完整信息」 asks for a reason, is audited, rate-limited, allowed by role (setting)."""

import pytest
from django.urls import reverse

from apps.core.models import AuditEvent
from apps.core.pii import mask_id_number
from apps.evidence.models import TeamMember
from tests.core.test_pii_at_rest import _import_roster
from tests.evidence.helpers import make_id


@pytest.fixture
def member(people):
    from django.core.cache import cache

    cache.clear()  # the rate limit counts per user id and hour: ids repeat across tests
    _import_roster(people["township"])
    return TeamMember.objects.get(name="队员1")


def _reveal(client, user, member, reason="核实重复在册"):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client.post(reverse("evidence:reveal", args=["roster", member.pk]), {"reason": reason})


def _reveals():
    return AuditEvent.objects.filter(action="evidence.pii_reveal")


def test_it_reveals_to_a_county_official_with_a_reason_and_audits_it(client, people, member):
    client.force_login(people["county"], backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("evidence:detail", args=["roster", member.pk]))
    assert response.status_code == 200, response
    page = response.content.decode()
    assert make_id(1) not in page and mask_id_number(make_id(1)) in page and "查看完整信息" in page
    response = _reveal(client, people["county"], member)
    assert response.status_code == 200
    assert make_id(1) in response.content.decode()
    event = _reveals().get()
    assert event.detail["reason"] == "核实重复在册" and event.detail["record_id"] == member.pk
    assert event.actor_id == people["county"].pk


def test_it_asks_for_a_reason(client, people, member):
    response = _reveal(client, people["county"], member, reason=" ")
    assert response.status_code == 400
    assert make_id(1) not in response.content.decode() and "请填写查看完整信息的事由" in response.content.decode()
    assert not _reveals().exists()


@pytest.mark.parametrize("role", ["auditor", "township", "system_admin_role"])
def test_it_refuses_roles_not_in_the_setting(client, people, member, role):
    user = people["admin"] if role == "system_admin_role" else people[role]
    assert _reveal(client, user, member).status_code in (403, 404)
    assert not _reveals().filter(actor_id=user.pk).exists()


def test_it_refuses_a_county_official_of_another_county(client, people, member):
    assert _reveal(client, people["tianjin_county"], member).status_code == 404
    assert not _reveals().exists()


def test_it_follows_the_roles_setting(client, people, member, settings):
    settings.PII_REVEAL_ROLES = ["auditor"]
    assert _reveal(client, people["auditor"], member).status_code == 200
    assert _reveal(client, people["county"], member).status_code == 403


def test_it_rate_limits_reveals(client, people, member, settings):
    settings.PII_REVEAL_PER_HOUR = 2
    assert [_reveal(client, people["county"], member).status_code for _ in range(3)] == [200, 200, 429]
    assert _reveals().filter(result="failure").count() == 1
