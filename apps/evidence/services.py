"""Writes to evidence records. Each service checks the access policy, changes the record (its
history row is written by django-simple-history) and appends the audit event, all in one
transaction. Forms, the API and imports share validation.validate_values before calling these.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from apps.accounts.access import Action, can
from apps.core.audit import record_event
from apps.evidence.kinds import KINDS, MODEL_KIND, KindSpec
from apps.evidence.models import Person, ReviewStatus, Source, Team
from apps.evidence.records import apply_values, record_fingerprint
from apps.evidence.validation import fingerprint, person_key
from apps.jurisdictions.codes import Level
from apps.jurisdictions.models import Unit

RECORD_LEVELS = (Level.TOWNSHIP, Level.VILLAGE)


class EvidenceError(Exception):
    """A business rule refused the record; ``field`` names the form/API field ("" = whole record)."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


def kind_of(record) -> KindSpec:
    return KINDS[MODEL_KIND[type(record)]]


def require_access(user, action: Action, unit: Unit) -> None:
    if not can(user, action, unit):
        raise PermissionDenied("不在您的权限范围内")


def check_unit_accepts_records(unit: Unit) -> None:
    if unit.level not in RECORD_LEVELS:
        raise EvidenceError("只能为乡镇(街道)或村(社区)填报记录", "unit_code")


# -- related objects ------------------------------------------------------------------------


def resolve_person(*, unit: Unit, id_number: str, name: str) -> Person:
    """The person of a training: by ID number in that unit, or by a name unique there."""
    people = Person.objects.alive().filter(unit=unit)
    if id_number:
        person = people.filter(id_number=id_number).first()
        if person is None:
            raise EvidenceError("该单位未登记此身份证号的人员，请先登记人员", "id_number")
        return person
    matches = list(people.filter(name=name)[:2])
    if not matches:
        raise EvidenceError(f"该单位未登记名为“{name}”的人员，请先登记人员", "name")
    if len(matches) > 1:
        raise EvidenceError(f"该单位有多名“{name}”，请填写身份证号", "name")
    return matches[0]


def _team_for(*, unit: Unit, name: str, team_type: str, actor) -> Team:
    team = Team.objects.alive().filter(unit=unit, name=name, team_type=team_type).first()
    if team is None:
        team = Team(unit=unit, name=name, team_type=team_type, created_by=actor, source=Source.FORM)
        team.fingerprint = record_fingerprint_team(team)
        team.save()
    return team


def record_fingerprint_team(team: Team) -> str:
    return fingerprint("team", team.unit.code, {"name": team.name, "team_type": team.team_type})


def _attach_related(kind: KindSpec, record, unit: Unit, values: dict[str, Any], actor) -> None:
    if kind.key == "roster":
        record.team = _team_for(unit=unit, name=values["team_name"], team_type=values["team_type"], actor=actor)
    elif kind.key == "trainings":
        if values.get("person") is not None:
            person = values["person"]
            if person.unit_id != unit.pk or person.deleted_at is not None:
                raise EvidenceError("所选人员不属于该单位", "person")
            record.person = person
        else:
            record.person = resolve_person(unit=unit, id_number=values.get("id_number", ""), name=values.get("name", ""))


def _check_duplicates(kind: KindSpec, record) -> None:
    """The same record twice, or the same person twice (in one unit's category or one team)."""
    model = kind.model
    others = model.objects.alive().filter(unit=record.unit)
    if record.pk:
        others = others.exclude(pk=record.pk)
    if others.filter(fingerprint=record.fingerprint).exists():
        raise EvidenceError("与已有记录完全相同，未重复保存")
    if kind.key in ("personnel", "roster"):
        key = person_key(record.id_number, record.name)
        same = others.filter(id_number=record.id_number) if record.id_number else others.filter(name=record.name)
        if kind.key == "personnel":
            same = same.filter(category=record.category)
            message = "该人员已以相同类别登记，请编辑已有记录"
        else:
            same = same.filter(team=record.team)
            message = f"该队员已在队伍“{record.team.name}”中，同一人不能重复入队"
        if same.exists():
            raise EvidenceError(message, "id_number" if key.startswith("id:") else "name")


# -- create / update / delete / review ------------------------------------------------------


@transaction.atomic
def record_create(*, kind: str, unit: Unit, values: dict[str, Any], actor, source: str = Source.FORM):
    spec = KINDS[kind]
    require_access(actor, Action.SUBMIT, unit)
    check_unit_accepts_records(unit)
    record = spec.model(unit=unit, created_by=actor, source=source, review_status=ReviewStatus.SUBMITTED)
    apply_values(spec, record, values)
    _attach_related(spec, record, unit, values, actor)
    record.fingerprint = record_fingerprint(spec, record)
    _check_duplicates(spec, record)
    record.save()
    record_event(actor=actor, action="evidence.create", unit_code=unit.code, kind=kind, record_id=record.pk,
                 source=source)
    return record


@transaction.atomic
def record_update(*, record, values: dict[str, Any], actor):
    """Change a record; a changed record goes back to "submitted" for the county to review."""
    spec = kind_of(record)
    require_access(actor, Action.SUBMIT, record.unit)
    if record.deleted_at is not None:
        raise EvidenceError("记录已删除，不能修改")
    apply_values(spec, record, values)
    _attach_related(spec, record, record.unit, values, actor)
    record.fingerprint = record_fingerprint(spec, record)
    _check_duplicates(spec, record)
    record.review_status = ReviewStatus.SUBMITTED
    record.reviewed_by, record.reviewed_at = None, None
    record.save()
    record_event(actor=actor, action="evidence.update", unit_code=record.unit.code, kind=spec.key,
                 record_id=record.pk)
    return record


@transaction.atomic
def record_soft_delete(*, record, actor, reason: str):
    """Nothing is deleted for real: who, when and why stay on the record and in its history."""
    spec = kind_of(record)
    require_access(actor, Action.SUBMIT, record.unit)
    reason = (reason or "").strip()
    if not reason:
        raise EvidenceError("请填写删除原因", "reason")
    if record.deleted_at is not None:
        raise EvidenceError("记录已删除")
    if spec.key == "personnel" and record.trainings.filter(deleted_at__isnull=True).exists():
        raise EvidenceError("该人员仍有培训记录，请先删除其培训记录")
    record.deleted_at, record.deleted_by, record.delete_reason = timezone.now(), actor, reason[:300]
    record._change_reason = f"删除：{reason[:90]}"
    record.save()
    record_event(actor=actor, action="evidence.delete", unit_code=record.unit.code, kind=spec.key,
                 record_id=record.pk, reason=reason[:300])
    return record


@transaction.atomic
def record_review(*, record, actor, decision: str, note: str = ""):
    """A county official verifies a record, or returns it with a reason."""
    spec = kind_of(record)
    require_access(actor, Action.VERIFY, record.unit)
    note = (note or "").strip()
    if record.deleted_at is not None:
        raise EvidenceError("记录已删除，不能审核")
    if decision == "verify":
        record.review_status = ReviewStatus.VERIFIED
    elif decision == "return":
        if not note:
            raise EvidenceError("退回时请填写原因", "note")
        record.review_status = ReviewStatus.RETURNED
    else:
        raise EvidenceError("未知的审核操作", "decision")
    record.review_note, record.reviewed_by, record.reviewed_at = note[:500], actor, timezone.now()
    record.save()
    record_event(actor=actor, action=f"evidence.{decision}", unit_code=record.unit.code, kind=spec.key,
                 record_id=record.pk)
    return record


def today() -> date:
    return timezone.localdate()
