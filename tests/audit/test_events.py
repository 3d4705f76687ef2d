"""Audit entries for changes made in /admin/ (settings, catalog, units), attachment downloads, and
the scheduled pruning task."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from apps.audit.tasks import prune_audit_log
from apps.core.models import AuditEvent
from apps.evidence.attachments import attachment_add
from apps.jurisdictions.models import Unit
from tests.evidence.conftest import _media  # noqa: F401 - shared fixture
from tests.evidence.helpers import QINGYUAN

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_it_records_every_change_made_in_the_admin(units, people):
    unit = units["140121000000"]
    request = RequestFactory().post("/admin/")
    request.user = people["admin"]
    admin.site._registry[Unit].log_change(request, unit, [{"changed": {"fields": ["名称"]}}])
    entry = AuditEvent.objects.get(action="admin.change")
    assert entry.actor == people["admin"] and entry.target == f"jurisdictions.unit:{unit.pk}"
    assert entry.detail["model"] == "jurisdictions.unit" and "名称" in entry.detail["change"]


def test_it_records_an_attachment_download(units, people, client_for):
    from apps.evidence.services import record_create
    from tests.evidence.helpers import make_id

    person = record_create(kind="personnel", unit=units[QINGYUAN], actor=people["township"],
                           values={"name": "张三", "id_number": make_id(1), "phone": "", "category": "township_cadre",
                                   "appointed_on": "2024-03-01", "left_on": None})
    attachment = attachment_add(record=person, data=PNG, filename="a.png", actor=people["township"])
    response = client_for(people["county"]).get(reverse("evidence:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    entry = AuditEvent.objects.get(action="evidence.attachment_download")
    assert entry.actor == people["county"] and entry.unit_code == QINGYUAN
    assert entry.detail == {"attachment": attachment.pk}


def test_it_schedules_the_daily_pruning_and_the_task_runs():
    assert PeriodicTask.objects.filter(task="audit.prune", enabled=True).exists()
    assert prune_audit_log() == 0


def test_it_records_mfa_set_up_and_removal_but_not_each_verification(people):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = people["county"]
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=False)
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    device.save()  # what django-otp does after each verification
    device.delete()
    actions = list(AuditEvent.objects.filter(action__startswith="accounts.mfa_device").order_by("seq")
                   .values_list("action", flat=True))
    assert actions == ["accounts.mfa_device_added", "accounts.mfa_device_confirmed", "accounts.mfa_device_removed"]
