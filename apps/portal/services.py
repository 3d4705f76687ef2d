"""Writes of the portal: each one checks the access policy, runs in a transaction and writes its
audit record in the same transaction."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.access import Action, can
from apps.core.audit import record_event
from apps.core.text import TextRefused, check_text
from apps.jurisdictions.models import Unit
from apps.portal.models import CalendarToken, Supervision

SUPERVISION_MAX_CHARS = 1000


SUPERVISION_DEFAULT_DAYS = 14
REPLY_MAX_RECORDS = 20


def overdue_export(*, actor, root: Unit, as_of: date, fmt: str, rows: list) -> tuple[bytes, str]:
    """The overdue rows on screen as the compliance app's CSV or XLSX, and its file name; the
    export is audited. Raises PermissionDenied without EXPORT on ``root``."""
    from apps.compliance import exports

    if not can(actor, Action.EXPORT, root):
        raise PermissionDenied
    report = {"unit": root.code, "unit_name": root.name, "as_of": as_of.isoformat(),
              "tasks": [r.to_dict() for r in rows]}
    content = exports.overdue_csv(report) if fmt == "csv" else exports.overdue_xlsx(report)
    record_event(actor=actor, action="portal.overdue_export", unit_code=root.code, as_of=as_of.isoformat(),
                 format=fmt, rows=len(rows))
    return content, exports.filename(report, fmt)


def _requirement(code: str) -> tuple[str, str]:
    """(title, evidence kind) of a requirement by code, from its newest version."""
    from apps.policies.models import RequirementVersion
    from apps.portal.links import evidence_kind_for

    version = (RequirementVersion.objects.select_related("requirement").filter(requirement__code=code)
               .order_by("-effective_from").first())
    if version is None:
        raise ValidationError(f"未知的要求编码：{code}")
    return version.title, evidence_kind_for(version.kind, version.requirement.topic)


@transaction.atomic
def supervision_create(*, actor, unit: Unit, text: str, requirement_code: str = "",
                       due_on: date | None = None) -> Supervision:
    """Send a 督办 from ``actor`` to ``unit`` (Action.SUPERVISE) with a 办理时限 (default: two
    weeks from today; never in the past)."""
    if not can(actor, Action.SUPERVISE, unit):
        raise PermissionDenied("无权对该单位督办")
    text = (text or "").strip()
    if not text:
        raise ValidationError("请填写督办内容")
    if len(text) > SUPERVISION_MAX_CHARS:
        raise ValidationError(f"督办内容不能超过 {SUPERVISION_MAX_CHARS} 字")
    today = timezone.localdate()
    due_on = due_on or today + timedelta(days=SUPERVISION_DEFAULT_DAYS)
    if due_on < today:
        raise ValidationError("办理时限不能早于今天")
    try:
        text = check_text(text, multiline=True)
    except TextRefused as exc:
        raise ValidationError(f"督办内容{exc}") from None
    requirement_code = (requirement_code or "").strip()[:60]
    title, kind = _requirement(requirement_code) if requirement_code else ("", "")
    supervision = Supervision.objects.create(
        unit=unit, requirement_code=requirement_code, requirement_title=title, evidence_kind=kind, text=text,
        due_on=due_on, created_by=actor,
    )
    # The text may quote people; the audit detail keeps only references.
    record_event(
        actor=actor,
        action="portal.supervision_create",
        unit_code=unit.code,
        supervision=supervision.pk,
        requirement=requirement_code,
        due_on=due_on.isoformat(),
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
def supervision_reply(*, actor, supervision: Supervision, text: str, records: list[tuple[str, int]] = ()
                      ) -> Supervision:
    """The unit's 反馈: what it did, optionally naming its records (each must be a live record of
    the 督办's unit or below, which the actor may submit for). Replying also acknowledges; a
    closed 督办 takes no more replies. A second reply replaces the first."""
    from apps.evidence.kinds import KINDS

    if not can(actor, Action.SUBMIT, supervision.unit):
        raise PermissionDenied("无权反馈该督办")
    text = (text or "").strip()
    if not text:
        raise ValidationError("请填写反馈内容")
    if len(text) > SUPERVISION_MAX_CHARS:
        raise ValidationError(f"反馈内容不能超过 {SUPERVISION_MAX_CHARS} 字")
    if len(records) > REPLY_MAX_RECORDS:
        raise ValidationError(f"最多关联 {REPLY_MAX_RECORDS} 条记录")
    linked = []
    for kind, pk in records:
        spec = KINDS.get(kind)
        record = spec.model.objects.alive().select_related("unit").filter(pk=pk).first() if spec else None
        if record is None or not can(actor, Action.SUBMIT, record.unit) or not record.unit.code.startswith(
                supervision.unit.code_prefix):
            raise ValidationError("关联的记录不存在或不属于该单位")
        linked.append({"kind": kind, "pk": record.pk, "label": f"{spec.label}：{record}"})
    now = timezone.now()
    changed = Supervision.objects.filter(pk=supervision.pk, closed_at__isnull=True).update(
        reply_text=text, reply_records=linked, replied_at=now, replied_by=actor,
    )
    if not changed:
        raise ValidationError("该督办已办结，不能再反馈")
    Supervision.objects.filter(pk=supervision.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=now, acknowledged_by=actor)
    record_event(actor=actor, action="portal.supervision_reply", unit_code=supervision.unit.code,
                 supervision=supervision.pk, records=[f"{r['kind']}:{r['pk']}" for r in linked])
    supervision.refresh_from_db()
    return supervision


@transaction.atomic
def supervision_close(*, actor, supervision: Supervision, note: str = "") -> Supervision:
    """办结 by the county (Action.SUPERVISE): once, whoever clicks first."""
    if not can(actor, Action.SUPERVISE, supervision.unit):
        raise PermissionDenied("无权办结该督办")
    note = (note or "").strip()[:500]
    changed = Supervision.objects.filter(pk=supervision.pk, closed_at__isnull=True).update(
        closed_at=timezone.now(), closed_by=actor, close_note=note)
    if not changed:
        raise ValidationError("该督办已办结")
    record_event(actor=actor, action="portal.supervision_close", unit_code=supervision.unit.code,
                 supervision=supervision.pk)
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
