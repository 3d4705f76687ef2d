"""Writes of the portal: each one checks the access policy, runs in a transaction and writes its
audit record in the same transaction."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.access import Action, can
from apps.core.audit import record_event
from apps.jurisdictions.models import Unit
from apps.portal.models import CalendarToken, Supervision

SUPERVISION_MAX_CHARS = 1000


@transaction.atomic
def supervision_create(*, actor, unit: Unit, text: str, requirement_code: str = "") -> Supervision:
    """Record a 督办 reminder from ``actor`` to ``unit`` (Action.SUPERVISE)."""
    if not can(actor, Action.SUPERVISE, unit):
        raise PermissionDenied("无权对该单位督办")
    text = (text or "").strip()
    if not text:
        raise ValidationError("请填写督办内容")
    if len(text) > SUPERVISION_MAX_CHARS:
        raise ValidationError(f"督办内容不能超过 {SUPERVISION_MAX_CHARS} 字")
    requirement_code = (requirement_code or "").strip()[:60]
    supervision = Supervision.objects.create(
        unit=unit, requirement_code=requirement_code, text=text, created_by=actor
    )
    # The text may quote people; the audit detail keeps only references.
    record_event(
        actor=actor,
        action="portal.supervision_create",
        unit_code=unit.code,
        supervision=supervision.pk,
        requirement=requirement_code,
    )
    return supervision


@transaction.atomic
def supervision_acknowledge(*, actor, supervision: Supervision) -> Supervision:
    """The township confirms it has read the reminder (Action.SUBMIT on the unit)."""
    if not can(actor, Action.SUBMIT, supervision.unit):
        raise PermissionDenied("无权签收该督办")
    changed = Supervision.objects.filter(pk=supervision.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now(), acknowledged_by=actor
    )
    if changed:
        record_event(
            actor=actor,
            action="portal.supervision_acknowledge",
            unit_code=supervision.unit.code,
            supervision=supervision.pk,
        )
    supervision.refresh_from_db()
    return supervision


@transaction.atomic
def calendar_token_create(*, actor) -> CalendarToken:
    token = CalendarToken.objects.create(user=actor)
    record_event(actor=actor, action="portal.calendar_token_create", token=token.pk)
    return token


@transaction.atomic
def calendar_token_revoke(*, actor, token: CalendarToken) -> None:
    if token.user_id != actor.pk:
        raise PermissionDenied("只能撤销自己的订阅令牌")
    changed = CalendarToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if changed:
        record_event(actor=actor, action="portal.calendar_token_revoke", token=token.pk)
