"""Confirmed periods (审核确认与锁定, issue 18): writes.

A township submits a year or a quarter of its subtree as complete, listing what is still missing
(the completeness report); the county confirms it or returns it with a reason — bottom-up only:
nothing that was not submitted can be confirmed. Once confirmed, records of the subtree dated in
the period are refused by the evidence write path (apps/evidence/services.py check_period_open)
until the county reopens the period with a reason; the township then submits again. Every step is
a claim on the current state (``filter(state=…).update(...) == 1``) and is audited in the same
transaction.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.access import Action, can
from apps.compliance import selectors
from apps.core.audit import record_event
from apps.core.dates import parse_period
from apps.core.pii import mask_text
from apps.core.text import TextRefused, check_text
from apps.jurisdictions.codes import Level
from apps.jurisdictions.models import PeriodConfirmation, Unit

State = PeriodConfirmation.State


class ConfirmationError(Exception):
    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


def period_label(period: str) -> str:
    if "Q" in period:
        year, quarter = period.split("Q")
        return f"{year}年第{quarter}季度"
    return f"{period}年度"


def _period(period: str) -> tuple[str, object, object]:
    period = (period or "").strip()
    if not re.fullmatch(r"\d{4}(Q[1-4])?", period):
        raise ConfirmationError("期间应为年度（如 2026）或季度（如 2026Q3）", "period")
    starts, ends = parse_period(period)
    return period, starts, ends


def _reason(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ConfirmationError("请填写原因", "reason")
    try:
        return check_text(text, multiline=True)[:300]
    except TextRefused as exc:
        raise ConfirmationError(str(exc), "reason") from exc


def missing_of(unit: Unit, period: str, as_of) -> list[dict]:
    """What the subtree still lacks for the period: rows of the completeness report with fewer
    reported than expected periods."""
    report = selectors.completeness_report(unit, period, as_of)
    return [{"unit": r["unit"], "unit_name": r["unit_name"], "requirement": r["requirement"],
             "missing": r["expected"] - r["reported"]} for r in report["rows"] if r["expected"] > r["reported"]]


@transaction.atomic
def period_submit(*, actor, unit: Unit, period: str) -> PeriodConfirmation:
    """「提交确认」 by the township: new, returned or reopened → submitted."""
    if not can(actor, Action.SUBMIT, unit):
        raise PermissionDenied
    if unit.level != Level.TOWNSHIP:
        raise ConfirmationError("只有乡镇(街道)提交期间确认", "unit")
    period, starts, ends = _period(period)
    now = timezone.now()
    missing = missing_of(unit, period, timezone.localdate())
    fields = {"state": State.SUBMITTED, "missing": missing, "submitted_by": actor, "submitted_at": now,
              "decided_by": None, "decided_at": None, "reason": ""}
    try:
        with transaction.atomic():
            confirmation = PeriodConfirmation.objects.create(unit=unit, period=period, starts_on=starts,
                                                             ends_on=ends, **fields)
    except IntegrityError:
        claimed = PeriodConfirmation.objects.filter(
            unit=unit, period=period, state__in=[State.RETURNED, State.REOPENED]).update(**fields, updated_at=now)
        confirmation = PeriodConfirmation.objects.get(unit=unit, period=period)
        if not claimed:
            raise ConfirmationError(f"{unit.name}{period_label(period)}当前为“{confirmation.get_state_display()}”，"
                                    "不能再次提交") from None
    record_event(actor=actor, action="confirmation.submit", unit_code=unit.code, period=period,
                 confirmation_id=confirmation.pk, missing=len(missing))
    return confirmation


def _decide(*, actor, confirmation: PeriodConfirmation, source: str, target: str, action: str,
            reason: str = "") -> PeriodConfirmation:
    if not can(actor, Action.VERIFY, confirmation.unit):
        raise PermissionDenied
    claimed = PeriodConfirmation.objects.filter(pk=confirmation.pk, state=source).update(
        state=target, decided_by=actor, decided_at=timezone.now(), reason=reason, updated_at=timezone.now())
    confirmation.refresh_from_db()
    if not claimed:
        wanted = State(source).label
        raise ConfirmationError(f"{confirmation.unit.name}{period_label(confirmation.period)}当前为"
                                f"“{confirmation.get_state_display()}”，只能处理“{wanted}”的期间")
    record_event(actor=actor, action=f"confirmation.{action}", unit_code=confirmation.unit.code,
                 period=confirmation.period, confirmation_id=confirmation.pk,
                 **({"reason": mask_text(reason)} if reason else {}))
    return confirmation


@transaction.atomic
def period_confirm(*, actor, confirmation: PeriodConfirmation) -> PeriodConfirmation:
    """The county confirms a submitted period (bottom-up: only a submitted one)."""
    return _decide(actor=actor, confirmation=confirmation, source=State.SUBMITTED, target=State.CONFIRMED,
                   action="confirm")


@transaction.atomic
def period_return(*, actor, confirmation: PeriodConfirmation, reason: str) -> PeriodConfirmation:
    return _decide(actor=actor, confirmation=confirmation, source=State.SUBMITTED, target=State.RETURNED,
                   action="return", reason=_reason(reason))


@transaction.atomic
def period_reopen(*, actor, confirmation: PeriodConfirmation, reason: str) -> PeriodConfirmation:
    """The county reopens a confirmed period; the township must submit it again."""
    return _decide(actor=actor, confirmation=confirmation, source=State.CONFIRMED, target=State.REOPENED,
                   action="reopen", reason=_reason(reason))
