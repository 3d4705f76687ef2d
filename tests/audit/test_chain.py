"""The audit log's hash chain, verification, retention and the events recorded by signals
(run on SQLite and PostgreSQL; the database-trigger and multi-process tests are in
test_chain_postgres.py)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import hashes
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.core import audit
from apps.core.audit import record_event
from apps.core.models import AuditChainHead, AuditCheckpoint, AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _verify(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("audit_verify", *args, stdout=out)
    except CommandError as exc:
        return 1, str(exc)
    return 0, out.getvalue()


def _three():
    return [record_event(actor=None, action="test.step", unit_code="140121000000", n=i) for i in range(3)]


def test_it_chains_each_entry_to_the_previous_one_with_sm3_by_default():
    first, second, third = _three()
    assert (first.seq, second.seq, third.seq) == (1, 2, 3)
    assert first.prev_hash == audit.GENESIS and second.prev_hash == first.hash and third.prev_hash == second.hash
    assert third.algorithm == "sm3"
    h = hashes.Hash(hashes.SM3())
    h.update(audit.canonical(AuditEvent.objects.get(seq=2)))
    assert h.finalize().hex() == second.hash
    assert AuditChainHead.objects.values_list("seq", "hash").get() == (3, third.hash)


def test_an_append_that_finds_the_head_moved_is_refused_and_writes_nothing(monkeypatch):
    """The head advances only from where the append read it (the guard where row locks do not
    exist, beside the unique seq): a head that moved in between refuses the append."""
    first = record_event(actor=None, action="test.step")
    real_head = audit._locked_head
    monkeypatch.setattr(audit, "_locked_head", lambda: (5, "f" * 64))  # not where the head is
    with pytest.raises(RuntimeError, match="moved"), transaction.atomic():
        record_event(actor=None, action="test.stale")
    monkeypatch.setattr(audit, "_locked_head", real_head)
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == [1]
    assert AuditChainHead.objects.values_list("seq", "hash").get() == (1, first.hash)
    assert record_event(actor=None, action="test.step").prev_hash == first.hash


def test_it_uses_sha256_when_configured_and_still_verifies_older_sm3_entries(settings):
    record_event(actor=None, action="test.sm3")
    settings.AUDIT_HASH_ALGORITHM = "sha256"
    entry = record_event(actor=None, action="test.sha256")
    assert entry.algorithm == "sha256"
    assert entry.hash == audit.digest("sha256", audit.canonical(entry))
    assert _verify()[0] == 0


def test_it_records_time_actor_role_source_address_action_object_and_result(people, client):
    client.post(reverse("accounts:login"), {"username": "county", "password": PASSWORD},
                REMOTE_ADDR="10.1.2.3")
    entry = AuditEvent.objects.get(action="auth.login")
    assert entry.actor == people["county"] and entry.actor_name == "county" and entry.role == "county_official"
    assert entry.source_ip == "10.1.2.3" and entry.target == "user=county" and entry.result == "success"
    assert abs(entry.at - timezone.now()) < timedelta(minutes=1)


def test_it_records_a_failed_login_without_the_password_and_masks_a_phone_typed_as_username(people, client):
    client.post(reverse("accounts:login"), {"username": "county", "password": "wrong-password-1"})
    client.post(reverse("accounts:login"), {"username": "13812345678", "password": "x"})
    failures = list(AuditEvent.objects.filter(action="auth.login_failed").order_by("seq"))
    assert [e.result for e in failures] == ["failure", "failure"]
    assert failures[0].target == "user=county" and failures[0].actor is None
    assert "13812345678" not in failures[1].target and "wrong-password" not in str(failures[0].detail)


def test_it_records_logout(people, client):
    client.post(reverse("accounts:login"), {"username": "township", "password": PASSWORD})
    client.post(reverse("accounts:logout"))
    assert AuditEvent.objects.filter(action="auth.logout", actor=people["township"]).exists()


def test_it_records_a_lockout(people, client, settings):
    settings.AXES_ENABLED = True
    settings.LOCKOUT_FAILURE_LIMIT = 2
    for _ in range(2):
        client.post(reverse("accounts:login"), {"username": "county", "password": "bad"}, REMOTE_ADDR="10.9.9.9")
    lockout = AuditEvent.objects.get(action="auth.lockout")
    assert lockout.result == "failure" and lockout.target == "user=county" and lockout.source_ip == "10.9.9.9"


def test_it_records_password_role_and_grant_changes(people, units):
    from apps.accounts import access

    user = people["township"]
    user.set_password("Another-Pass-2026")
    user.save()
    user.role = "county_official"
    user.save()
    access.revoke(user, units["140121100000"])
    access.grant(user, units["140121000000"])
    actions = list(AuditEvent.objects.filter(target="user=township").order_by("seq").values_list("action", "unit_code"))
    assert ("accounts.password_changed", "") in actions
    assert ("accounts.role_changed", "") in actions
    assert ("accounts.grant_added", "140121000000") in actions
    assert AuditEvent.objects.get(action="accounts.role_changed").detail == {
        "old": "township_staff", "new": "county_official"}


def test_it_keeps_the_log_when_a_user_is_deleted(people):
    record_event(actor=people["other_township"], action="test.by_user")
    people["other_township"].delete()
    entry = AuditEvent.objects.get(action="test.by_user")
    assert entry.actor_name == "other_township"
    assert _verify()[0] == 0


def test_it_exits_zero_and_prints_the_head_on_an_intact_chain():
    *_, last = _three()
    status, out = _verify()
    assert status == 0 and f"{last.seq}:{last.hash}" in out


def test_it_names_a_changed_entry(trigger_disabled):
    _three()
    AuditEvent.objects.filter(seq=2).update(unit_code="140121100000")
    status, message = _verify()
    assert status == 1 and "第 2 条" in message and "修改" in message


def test_it_names_a_deleted_entry_in_the_middle(trigger_disabled):
    _three()
    AuditEvent.objects.filter(seq=2).delete()
    status, message = _verify()
    assert status == 1 and "第 2 条" in message and "删除" in message


def test_it_names_a_deleted_last_entry(trigger_disabled):
    _three()
    AuditEvent.objects.filter(seq=3).delete()
    status, message = _verify()
    assert status == 1 and "第 3 条" in message and "删除" in message


def test_it_names_a_forged_entry_appended_past_the_head(trigger_disabled):
    *_, last = _three()
    forged = AuditEvent(seq=4, at=timezone.now(), action="test.forged", algorithm="sm3", prev_hash=last.hash)
    forged.hash = audit.entry_hash(forged)
    forged.save(force_insert=True)
    status, message = _verify()
    assert status == 1 and "第 4 条" in message and "插入" in message


def test_it_checks_an_anchor_recorded_outside_the_database():
    first, second, _ = _three()
    assert _verify("--anchor", f"2:{second.hash}")[0] == 0
    status, message = _verify("--anchor", f"2:{first.hash}")
    assert status == 1 and "第 2 条" in message


def test_it_prunes_only_entries_past_retention_and_the_rest_still_verifies(settings, time_machine):
    settings.AUDIT_RETENTION_DAYS = 180
    now = timezone.now()
    time_machine.move_to(now - timedelta(days=200), tick=False)
    old = [record_event(actor=None, action="test.old") for _ in range(2)]
    time_machine.move_to(now - timedelta(days=179), tick=False)
    young = record_event(actor=None, action="test.young")
    time_machine.move_to(now, tick=False)
    assert audit.prune() == 2
    assert not AuditEvent.objects.filter(action="test.old").exists()
    assert AuditEvent.objects.filter(pk=young.pk).exists()
    checkpoint = AuditCheckpoint.objects.get()
    assert (checkpoint.seq, checkpoint.hash) == (old[-1].seq, old[-1].hash)
    assert AuditEvent.objects.filter(action="audit.pruned", detail__rows=2).exists()
    assert _verify()[0] == 0
    assert audit.prune() == 0  # twice is harmless


def test_it_refuses_a_retention_below_180_days(settings):
    settings.AUDIT_RETENTION_DAYS = 30
    with pytest.raises(CommandError, match="180"):
        call_command("audit_prune", stdout=io.StringIO())


def test_it_reports_a_bad_retention_or_algorithm_in_the_system_check(settings):
    from apps.audit.checks import check_audit_settings

    settings.AUDIT_RETENTION_DAYS, settings.AUDIT_HASH_ALGORITHM = 90, "md5"
    assert {e.id for e in check_audit_settings(None)} == {"audit.E001", "audit.E002"}
