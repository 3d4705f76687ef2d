"""Writes to evidence records. Each service checks the access policy, changes the record (its
history row is written by django-simple-history) and appends the audit event, all in one
transaction. Forms, the API and imports share validation.validate_values before calling these.

One write path for new records: ``records_insert`` serves imports (a whole file in bulk) and
``record_create`` (forms, API: one record). Identity is the database's: partial unique
constraints on live rows (models.py) decide what is "the same record", "the same team" and "the
same person". We read what is stored once to report it nicely, insert in a savepoint, and when a
concurrent writer got there first (IntegrityError) read again and report those rows as already
present: never check-then-insert.

Reviews are a state machine over a revision number (``Record.revision``): submitted → verified,
submitted → returned, returned → submitted (by an edit). Edits and reviews name the revision
they were based on; a stale one is refused (StaleRecord) and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from apps.accounts.access import Action, can
from apps.core.audit import record_event
from apps.core.pii import mask_id_number, mask_text
from apps.core.text import TextRefused, check_text
from apps.evidence.kinds import ID_NUMBER, KINDS, MOBILE, MODEL_KIND, KindSpec
from apps.evidence.models import Person, ReviewStatus, Source, Team, TeamMember
from apps.evidence.records import apply_values, record_fingerprint, values_of
from apps.evidence.validation import BLIND_KEY, fingerprint, person_key
from apps.jurisdictions.codes import Level
from apps.jurisdictions.models import PeriodConfirmation, Unit, ancestor_codes
from apps.jurisdictions.services import units_touch

RECORD_LEVELS = (Level.TOWNSHIP, Level.VILLAGE)
BATCH_SIZE = 2000
# A conflicting writer has committed by the time our INSERT fails (PostgreSQL waits for it), so
# the second attempt sees its rows; a third covers a writer that committed in between.
_ATTEMPTS = 3


class EvidenceError(Exception):
    """A business rule refused the record; ``field`` names the form/API field ("" = whole record)."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


class StaleRecord(EvidenceError):
    """The record changed (or was reviewed) after the caller read it: HTTP 409, nothing changed."""


class InvalidTransition(EvidenceError):
    """The review status does not allow this step (e.g. verifying a returned record): HTTP 409."""


class PeriodConfirmed(EvidenceError):
    """The record is dated in a period the county has confirmed (审核确认): HTTP 409, nothing changed."""


class AlreadyPresent(EvidenceError):
    """A create identical to a live stored record: recognised, not duplicated."""

    def __init__(self, message: str, record_id: int | None):
        super().__init__(message)
        self.record_id = record_id


# ---------------------------------------------------------------------------
# Confirmed periods (审核确认, issue 18): the one guard of every write below
# ---------------------------------------------------------------------------
def confirmed_over(units) -> list[PeriodConfirmation]:
    """The confirmed periods of these units or any unit above them (one query)."""
    codes = {code for u in units for code in ancestor_codes(u)}
    return list(PeriodConfirmation.objects.filter(state=PeriodConfirmation.State.CONFIRMED, unit__code__in=codes)
                .select_related("unit", "decided_by"))


def _record_day(record) -> date | None:
    value = getattr(record, kind_of(record).date_field, None)
    if value is None:
        return None
    return timezone.localtime(value).date() if hasattr(value, "hour") else value


def check_period_open(record, confirmed: list[PeriodConfirmation] | None = None) -> None:
    """Refuse (PeriodConfirmed) a write to a record dated in a confirmed period of its unit or of a
    unit above it. ``confirmed`` is confirmed_over(...) read once for a batch."""
    day = _record_day(record)
    if day is None or record.unit is None:
        return
    if confirmed is None:
        confirmed = confirmed_over([record.unit])
    codes = set(ancestor_codes(record.unit))
    for c in confirmed:
        if c.unit.code in codes and c.starts_on <= day <= c.ends_on:
            who = c.decided_by.get_full_name() or c.decided_by.get_username() if c.decided_by else "县级"
            at = timezone.localtime(c.decided_at) if c.decided_at else None
            when = f"{at.year}年{at.month}月{at.day}日" if at else ""
            raise PeriodConfirmed(
                f"{c.unit.name}{c.period}期间已于{when}由{who}审核确认（期间确认 #{c.pk}），"
                f"{day.isoformat()} 的记录不能新增、修改、删除、审核或导入；如需更正，请联系县级重新开放该期间"
            )


def kind_of(record) -> KindSpec:
    return KINDS[MODEL_KIND[type(record)]]


def require_access(user, action: Action, unit: Unit) -> None:
    if not can(user, action, unit):
        raise PermissionDenied("不在您的权限范围内")


def check_unit_accepts_records(unit: Unit) -> None:
    if unit.level not in RECORD_LEVELS:
        raise EvidenceError("只能为乡镇(街道)或村(社区)填报记录", "unit_code")


def _history_user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


# -- freshness: the one bump of every write below -------------------------------------------------
def evaluations_touch(records, *, keys=()) -> None:
    """Mark as changed (jurisdictions.services.units_touch: ``Unit.data_version`` + 1, the unit's
    and its county's, one UPDATE) every unit whose evaluation these written records can change:
    their own units, and, for team members, every unit of the same county with a counted
    membership of the same person (identity key): 「重复在册」 lets one person count towards one
    team only (rules.counting_membership), so a membership written here can move another unit's
    team count. ``keys``: identity keys the records had before an edit. Called last in the
    writer's transaction, so stored evaluations (compliance) are never taken for current when
    they are not (docs/performance.md, "Freshness")."""
    unit_ids = {r.unit_id for r in records}
    if not unit_ids:
        return
    shared = {k for k in (*keys, *(r.identity_key for r in records if isinstance(r, TeamMember)))
              if k.startswith(BLIND_KEY)}
    if not shared:
        units_touch(list(unit_ids))
        return
    from apps.evidence.selectors import counted_memberships  # the selectors import this module

    counties = Unit.objects.filter(pk__in=unit_ids).values("county_code")
    others = counted_memberships(county_code__in=counties)
    if len(shared) <= _SHARED_KEYS_LISTED:  # else (a big import) every unit of the counties with a roster
        others = others.filter(identity_key__in=shared)
    units_touch(Unit.objects.filter(Q(pk__in=unit_ids) | Q(pk__in=others.values("team__unit_id"))).values("pk"))


_SHARED_KEYS_LISTED = 500  # bound the statement's parameters (SQLite) whatever the import's size


# -- people and teams ------------------------------------------------------------------------


def people_index(unit_ids) -> dict[tuple, list[Person]]:
    """Live people of these units by (unit id, person_key) and (unit id, "name:…"): one query."""
    index: dict[tuple, list[Person]] = {}
    for person in Person.objects.alive().filter(unit_id__in=unit_ids).order_by("pk"):
        if person.id_number:
            index.setdefault((person.unit_id, person_key(person.id_number, "")), []).append(person)
        index.setdefault((person.unit_id, person_key("", person.name)), []).append(person)
    return index


def find_person(index: dict, *, unit: Unit, id_number: str, name: str) -> Person:
    """The person of a training: by ID number in that unit, or by a name unique there."""
    if id_number:
        found = index.get((unit.pk, person_key(id_number, "")), [])
        if not found:
            raise EvidenceError(f"{unit.name}未登记身份证号为 {mask_id_number(id_number)} 的人员，请先登记人员",
                                "id_number")
        return found[0]
    found = index.get((unit.pk, person_key("", name)), [])
    if not found:
        raise EvidenceError(f"{unit.name}未登记该姓名的人员（{name}），请先登记人员", "name")
    if len(found) > 1:
        raise EvidenceError(f"{unit.name}有多名同名人员，请填写身份证号", "name")
    return found[0]


def resolve_person(*, unit: Unit, id_number: str, name: str) -> Person:
    return find_person(people_index([unit.pk]), unit=unit, id_number=id_number, name=name)


def record_fingerprint_team(team: Team) -> str:
    return fingerprint("team", team.unit.code, {"name": team.name, "team_type": team.team_type})


def teams_for(*, wanted: dict[tuple[Unit, str], str], actor, source: str, change_reason: str | None = None
              ) -> tuple[dict[tuple[int, str], Team], int]:
    """The live team of each (unit, name), created with the given type where missing.

    Returns the teams by (unit id, name) and how many this call created. A team another writer
    created meanwhile is found on the next attempt (the constraint on unit + name refused ours).
    """
    unit_ids = {unit.pk for unit, _ in wanted}
    names = {name for _, name in wanted}
    for _ in range(_ATTEMPTS):
        teams = {(t.unit_id, t.name): t
                 for t in Team.objects.alive().filter(unit_id__in=unit_ids, name__in=names)}
        missing = [Team(unit=unit, name=name, team_type=team_type, created_by=actor, source=source)
                   for (unit, name), team_type in wanted.items() if (unit.pk, name) not in teams]
        if not missing:
            return teams, 0
        for team in missing:
            team.fingerprint = record_fingerprint_team(team)
        try:
            with transaction.atomic():
                bulk_create_with_history(missing, Team, batch_size=BATCH_SIZE, default_user=_history_user(actor),
                                         default_change_reason=change_reason)
        except IntegrityError:
            continue
        teams.update({(t.unit_id, t.name): t for t in missing})
        return teams, len(missing)
    raise EvidenceError("队伍正被同时创建，请稍后重试", "team_name")


def _check_team_type(team: Team, team_type: str) -> None:
    if team.team_type != team_type:
        raise EvidenceError(f"该单位已有队伍“{team.name}”，类型为{team.get_team_type_display()}；"
                            "同一单位的同名队伍只有一支，类型须一致", "team_type")


# -- identity of a record: what the unique constraints compare --------------------------------

# The live-row constraints besides (unit, fingerprint), as model attributes (models.py).
IDENTITY = {"personnel": ("unit_id", "category", "identity_key"), "roster": ("team_id", "identity_key")}


def set_keys(spec: KindSpec, record) -> None:
    """Fingerprint and person identity key, computed from the record's values."""
    record.fingerprint = record_fingerprint(spec, record)
    if spec.key in IDENTITY:
        record.identity_key = person_key(record.id_number, record.name)


def _identity(spec: KindSpec, obj) -> tuple | None:
    names = IDENTITY.get(spec.key)
    return tuple(getattr(obj, n) for n in names) if names else None


def _identity_message(spec: KindSpec, record) -> EvidenceError:
    field_name = "id_number" if record.id_number else "name"
    if spec.key == "personnel":
        return EvidenceError("该人员已在该单位同一人员类别中登记，不能重复；如需更正请编辑原记录", field_name)
    return EvidenceError(f"该人员已在队伍“{record.team.name}”中登记，同一人不能重复入队；如需更正请编辑原记录",
                         field_name)


@dataclass
class Draft:
    """One record to create: its unit and validated values; ``row`` numbers it for messages."""

    unit: Unit
    values: dict[str, Any]
    row: int = 0


@dataclass
class Refusal:
    draft: Draft
    error: EvidenceError


@dataclass
class InsertOutcome:
    created: list = field(default_factory=list)
    created_from: list[Draft] = field(default_factory=list)  # the draft of each created record, in order
    present: list[tuple[Draft, int]] = field(default_factory=list)  # (draft, id of the stored twin)
    refused: list[Refusal] = field(default_factory=list)
    teams_created: int = 0


def _related(spec: KindSpec, record, draft: Draft, people: dict, teams: dict) -> None:
    values = draft.values
    if spec.key == "roster":
        record.team = teams[(draft.unit.pk, values["team_name"])]
        _check_team_type(record.team, values["team_type"])
    elif spec.key == "trainings":
        person = values.get("person")
        if person is not None:
            if person.unit_id != draft.unit.pk or person.deleted_at is not None:
                raise EvidenceError("所选人员不属于该单位", "person")
            record.person = person
        else:
            record.person = find_person(people, unit=draft.unit, id_number=values.get("id_number") or "",
                                        name=values.get("name") or "")


def records_insert(*, kind: str, drafts: list[Draft], actor, source: str, change_reason: str | None = None
                   ) -> InsertOutcome:
    """Create the records of ``drafts`` in bulk, or none of them.

    Drafts identical to a live stored record (same fingerprint) are reported as ``present`` and
    skipped; a draft that is the same person as a stored record, or that repeats an earlier draft,
    or whose team or person does not fit, is ``refused``. With any refusal nothing is inserted
    (teams may have been: the caller rolls its transaction back). The caller has checked SUBMIT on
    every draft's unit and runs this inside ``transaction.atomic``.
    """
    spec = KINDS[kind]
    out = InsertOutcome()
    people = people_index({d.unit.pk for d in drafts}) if spec.key == "trainings" and any(
        d.values.get("person") is None for d in drafts) else {}
    teams: dict = {}
    if spec.key == "roster":
        wanted: dict[tuple[Unit, str], str] = {}
        for d in drafts:
            wanted.setdefault((d.unit, d.values["team_name"]), d.values["team_type"])
        teams, out.teams_created = teams_for(wanted=wanted, actor=actor, source=source, change_reason=change_reason)
    built: list[tuple[Draft, Any]] = []
    seen: dict[Any, Draft] = {}
    confirmed = confirmed_over({d.unit for d in drafts})
    for d in drafts:
        record = spec.model(unit=d.unit, created_by=actor, source=source, review_status=ReviewStatus.SUBMITTED)
        apply_values(spec, record, d.values)
        try:
            _related(spec, record, d, people, teams)
        except EvidenceError as exc:
            out.refused.append(Refusal(d, exc))
            continue
        try:
            check_period_open(record, confirmed)
        except EvidenceError as exc:
            out.refused.append(Refusal(d, exc))
            continue
        set_keys(spec, record)
        twin = seen.get(("fp", record.unit_id, record.fingerprint))
        if twin is not None:
            out.refused.append(Refusal(d, EvidenceError(f"与第 {twin.row} 行完全相同，请删除重复行")))
            continue
        identity = _identity(spec, record)
        if identity is not None and ("id", identity) in seen:
            column = "id_number" if record.id_number else "name"
            out.refused.append(Refusal(d, EvidenceError(
                f"同一人在文件中重复出现（与第 {seen['id', identity].row} 行相同）", column)))
            continue
        seen["fp", record.unit_id, record.fingerprint] = d
        if identity is not None:
            seen["id", identity] = d
        built.append((d, record))
    if out.refused:
        return out
    for _ in range(_ATTEMPTS):
        pending = _not_stored(spec, built, out)
        if out.refused or not pending:
            return out
        # One order for every writer, so two overlapping files cannot deadlock on each other's rows.
        records = sorted((r for _, r in pending), key=lambda r: (r.unit_id, r.fingerprint))
        for record in records:
            record.pk = None
        try:
            with transaction.atomic():  # a savepoint: a conflict undoes only this attempt
                bulk_create_with_history(records, spec.model, batch_size=BATCH_SIZE,
                                         default_user=_history_user(actor), default_change_reason=change_reason)
        except IntegrityError:
            built = pending  # someone committed some of these meanwhile: look again
            continue
        out.created = [r for _, r in pending]
        out.created_from = [d for d, _ in pending]
        evaluations_touch(out.created)
        return out
    raise EvidenceError("记录正被同时写入，请稍后重试")


def _not_stored(spec: KindSpec, built: list, out: InsertOutcome) -> list:
    """The drafts not yet stored; the others become ``present`` (same fingerprint) or ``refused``
    (same person). One query for the whole batch."""
    if not built:
        return []
    units = {r.unit_id for _, r in built}
    names = ("pk", "unit_id", "fingerprint", *IDENTITY.get(spec.key, ()))
    stored = spec.model.objects.alive().filter(unit_id__in=units).values_list(*names)
    fingerprints, identities = {}, set()
    for row in stored:
        fingerprints[(row[1], row[2])] = row[0]
        if spec.key in IDENTITY:
            identities.add(tuple(row[3:]))
    pending = []
    for draft, record in built:
        twin = fingerprints.get((record.unit_id, record.fingerprint))
        if twin is not None:
            out.present.append((draft, twin))
        elif _identity(spec, record) in identities:
            out.refused.append(Refusal(draft, _identity_message(spec, record)))
        else:
            pending.append((draft, record))
    return pending


# -- create / update / delete / review ------------------------------------------------------


def record_create(*, kind: str, unit: Unit, values: dict[str, Any], actor, source: str = Source.FORM):
    """One record from a form or the API, through the same insert as imports.

    Raises AlreadyPresent when an identical live record exists (also when a concurrent request
    stored it a moment earlier), EvidenceError when the same person is already registered.
    """
    require_access(actor, Action.SUBMIT, unit)
    check_unit_accepts_records(unit)
    with transaction.atomic():
        outcome = records_insert(kind=kind, drafts=[Draft(unit, values)], actor=actor, source=source)
        if outcome.refused:
            raise outcome.refused[0].error
        if outcome.present:  # raising rolls back a team made for it too
            raise AlreadyPresent("与已有记录完全相同，未重复保存", outcome.present[0][1])
        record = outcome.created[0]
        record_event(actor=actor, action="evidence.create", unit_code=unit.code, kind=kind, record_id=record.pk,
                     source=source)
    return record


def _locked(record):
    """The record re-read under a row lock: the revision and status checks below hold until commit."""
    return type(record).objects.select_for_update().get(pk=record.pk)


def _check_revision(current, based_on: int | None) -> None:
    if based_on is not None and based_on != current.revision:
        raise StaleRecord("该记录已被他人修改或审核（您看到的是旧版本），本次操作未保存；请刷新页面查看最新内容后重试")


def _refresh(record, current) -> None:
    """Copy the stored state onto the caller's instance (views render it after the service)."""
    for f in current._meta.concrete_fields:
        setattr(record, f.attname, getattr(current, f.attname))
    for name in ("team", "person"):
        if hasattr(current, name):
            setattr(record, name, getattr(current, name))


def _bump(record) -> None:
    record.revision += 1


@transaction.atomic
def record_update(*, record, values: dict[str, Any], actor, based_on: int | None = None):
    """Change a record; a changed record becomes "submitted" again for the county to review
    (returned → submitted is how a returned record is resubmitted). ``based_on`` is the revision
    the editor saw: a stale one raises StaleRecord. An edit that changes nothing writes nothing:
    no history row, no audit event, the review status stays."""
    spec = kind_of(record)
    require_access(actor, Action.SUBMIT, record.unit)
    current = _locked(record)
    if current.deleted_at is not None:
        raise EvidenceError("记录已删除，不能修改")
    _check_revision(current, based_on)
    check_period_open(current)  # the date it had
    before = values_of(spec, current)
    person_before = getattr(current, "person_id", None)
    apply_values(spec, current, values)
    teams = {}
    if spec.key == "roster":
        wanted = {(current.unit, values["team_name"]): values["team_type"]}
        teams, _ = teams_for(wanted=wanted, actor=actor, source=Source.FORM)
    people = people_index([current.unit_id]) if spec.key == "trainings" and values.get("person") is None else {}
    _related(spec, current, Draft(current.unit, values), people, teams)
    if values_of(spec, current) == before and getattr(current, "person_id", None) == person_before:
        return record  # nothing changed: nothing written (no team was created: the team is the same)
    check_period_open(current)  # the date it gets
    key_before = getattr(current, "identity_key", "")
    set_keys(spec, current)
    current.review_status = ReviewStatus.SUBMITTED
    # review_note stays: the reason of the last return, shown beside the resubmitted record.
    current.reviewed_by, current.reviewed_at = None, None
    _bump(current)
    try:
        with transaction.atomic():
            current.save()
    except IntegrityError:
        raise _conflict_of(spec, current) from None
    evaluations_touch([current], keys=[key_before])
    record_event(actor=actor, action="evidence.update", unit_code=current.unit.code, kind=spec.key,
                 record_id=current.pk)
    _refresh(record, current)
    return record


def _conflict_of(spec: KindSpec, record) -> EvidenceError:
    others = spec.model.objects.alive().filter(unit_id=record.unit_id).exclude(pk=record.pk)
    if others.filter(fingerprint=record.fingerprint).exists():
        return EvidenceError("与已有记录完全相同，未保存；如需更正请编辑已有记录")
    return _identity_message(spec, record)


@transaction.atomic
def record_soft_delete(*, record, actor, reason: str, based_on: int | None = None):
    """Nothing is deleted for real: who, when and why stay on the record and in its history."""
    spec = kind_of(record)
    require_access(actor, Action.SUBMIT, record.unit)
    reason = (reason or "").strip()
    if not reason:
        raise EvidenceError("请填写删除原因", "reason")
    reason = _checked(reason, "reason", multiline=True)
    current = _locked(record)
    if current.deleted_at is not None:
        raise EvidenceError("记录已删除")
    _check_revision(current, based_on)
    check_period_open(current)
    if spec.key == "personnel" and current.trainings.filter(deleted_at__isnull=True).exists():
        raise EvidenceError("该人员仍有培训记录，请先删除其培训记录")
    current.deleted_at, current.deleted_by, current.delete_reason = timezone.now(), actor, reason[:300]
    current._change_reason = f"删除：{reason[:90]}"
    _bump(current)
    current.save()
    evaluations_touch([current])
    record_event(actor=actor, action="evidence.delete", unit_code=current.unit.code, kind=spec.key,
                 record_id=current.pk, reason=reason[:300])
    _refresh(record, current)
    return record


def _checked(text: str, field_name: str, *, multiline: bool = False) -> str:
    try:
        return check_text(text, multiline=multiline)
    except TextRefused as exc:
        raise EvidenceError(str(exc), field_name) from None


# The review state machine: (from status, decision) → to status. Anything else is refused.
REVIEW_STEPS = {
    (ReviewStatus.SUBMITTED, "verify"): ReviewStatus.VERIFIED,
    (ReviewStatus.SUBMITTED, "return"): ReviewStatus.RETURNED,
}
_STATUS_LABELS = dict(ReviewStatus.choices)


@transaction.atomic
def record_review(*, record, actor, decision: str, note: str = "", based_on: int | None):
    """A county official verifies a submitted record, or returns it with a reason.

    ``based_on`` is the revision the reviewer read (required: a review is of the content seen).
    The history row names the step (审核通过 / 退回：reason) so the return reason stays visible.
    """
    spec = kind_of(record)
    require_access(actor, Action.VERIFY, record.unit)
    if decision not in ("verify", "return"):
        raise EvidenceError("未知的审核操作", "decision")
    note = _checked((note or "").strip(), "note", multiline=True)
    if decision == "return" and not note:
        raise EvidenceError("退回时请填写原因", "note")
    if based_on is None:
        raise StaleRecord("审核须基于您所看到的版本（缺少版本号），请刷新页面后重试", "revision")
    current = _locked(record)
    if current.deleted_at is not None:
        raise EvidenceError("记录已删除，不能审核")
    _check_revision(current, based_on)
    check_period_open(current)
    target = REVIEW_STEPS.get((current.review_status, decision))
    if target is None:
        raise InvalidTransition(f"记录当前为“{_STATUS_LABELS[current.review_status]}”，只能审核“已提交”的记录；"
                                "退回的记录须由填报单位修改后重新提交")
    current.review_status = target
    current.review_note, current.reviewed_by, current.reviewed_at = note[:500], actor, timezone.now()
    current._change_reason = "审核通过" if decision == "verify" else f"退回：{note[:90]}"
    _bump(current)
    current.save()
    evaluations_touch([current])
    record_event(actor=actor, action=f"evidence.{decision}", unit_code=current.unit.code, kind=spec.key,
                 record_id=current.pk, **({"note": mask_text(note[:500])} if decision == "return" else {}))
    _refresh(record, current)
    return record


def today() -> date:
    return timezone.localdate()


# -- exports ------------------------------------------------------------------------------------


class ExportRefused(PermissionDenied):
    pass


def records_export(*, actor, kind: str, records, fmt: str, clear: bool = False, reason: str = "",
                   filters: dict | None = None) -> tuple[bytes, str]:
    """A kind's records (already filtered to what ``actor`` may export) as CSV or XLSX, and the
    file name. Masked unless ``clear``: full ID and mobile numbers only for
    access.may_export_personal_data, with a reason; the refusal and the export are audited (who,
    what, how many, the reason). Raises ExportRefused (nothing built) when not allowed."""
    from apps.accounts.access import may_export_personal_data
    from apps.evidence import exports

    spec = KINDS[kind]
    clear = clear and exports.has_personal_fields(spec)
    what = {"kind": spec.key, "format": fmt, "filters": {k: str(v) for k, v in (filters or {}).items() if v}}
    if clear and not may_export_personal_data(actor):
        record_event(actor=actor, action="evidence.pii_export", result="failure", refused="role", **what)
        raise ExportRefused("无权导出完整个人信息")
    if clear and len(reason.strip()) < 2:
        raise EvidenceError("请填写导出完整信息的事由", "reason")
    count = records.count()
    if count > exports.MAX_ROWS:
        raise EvidenceError(f"共 {count} 条，超过一次导出 {exports.MAX_ROWS} 条的上限，请按单位或日期缩小范围")
    build = exports.records_csv if fmt == "csv" else exports.records_xlsx
    content = build(spec, records, clear=clear)
    if clear:
        record_event(actor=actor, action="evidence.pii_export", rows=count, reason=mask_text(reason.strip()[:200]),
                     fields=[f.name for f in spec.fields if f.type in (ID_NUMBER, MOBILE)], **what)
    else:
        record_event(actor=actor, action="evidence.export", rows=count, **what)
    return content, exports.filename(spec, fmt, clear=clear, on=today())
