"""Reads of evidence records, always through the access policy (a SQL filter on unit codes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, Q, Value
from django.http import Http404

from apps.accounts.access import Action, can, filter_for_user, units_for
from apps.core.pii import mask_id_number, mask_mobile, mask_text
from apps.evidence.kinds import DATETIME, ID_NUMBER, MOBILE, TEXT, UNIT, KindSpec
from apps.evidence.models import Attachment, Person, ReviewStatus, Team, TeamMember
from apps.evidence.records import RELATED
from apps.evidence.services import RECORD_LEVELS
from apps.evidence.validation import BLIND_KEY
from apps.jurisdictions.models import Unit

STATUS_FILTERS = {"submitted", "verified", "returned", "deleted"}
COUNTED_STATUSES = [ReviewStatus.SUBMITTED, ReviewStatus.VERIFIED]


def _related(kind: KindSpec) -> list[str]:
    return ["unit", "created_by"] + {"roster": ["team"], "trainings": ["person"]}.get(kind.key, [])


def records_for(
    user,
    kind: KindSpec,
    *,
    under: Unit | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    status: str = "",
):
    """The records of a kind the user may see, newest first; soft-deleted ones only on request."""
    qs = filter_for_user(kind.model.objects.select_related(*_related(kind)), user, Action.VIEW)
    if under is not None:
        qs = qs.filter(unit__in=Unit.objects.subtree(under))
    if status == "deleted":
        qs = qs.filter(deleted_at__isnull=False)
    else:
        qs = qs.filter(deleted_at__isnull=True)
        if status in STATUS_FILTERS:
            qs = qs.filter(review_status=status)
    spec_field = kind.field(kind.date_field)
    lookup = f"{kind.date_field}__date" if spec_field.type == DATETIME else kind.date_field
    if date_from:
        qs = qs.filter(**{f"{lookup}__gte": date_from})
    if date_to:
        qs = qs.filter(**{f"{lookup}__lte": date_to})
    return qs.order_by(f"-{kind.date_field}", "-pk")


def record_for(user, kind: KindSpec, pk: int, action: Action = Action.VIEW):
    """One record if the user may do ``action`` on its unit; 404 otherwise (outsiders learn nothing)."""
    record = kind.model.objects.select_related(*_related(kind), "deleted_by", "reviewed_by").filter(pk=pk).first()
    if record is None or not can(user, action, record.unit):
        raise Http404("记录不存在或不在您的权限范围内")
    return record


def reveals_personal_data(user, record) -> bool:
    """ID numbers and phones are shown in full only to the record's own township staff."""
    return can(user, Action.SUBMIT, record.unit)


@dataclass
class HistoryEntry:
    at: datetime
    user: str
    kind: str  # 新建 / 修改 / 删除 / 审核通过 / 退回
    changes: list[tuple[str, Any, Any]]
    reason: str


_TYPE = {"+": "新建", "~": "修改", "-": "删除"}
_REVIEW_LABELS = {"review_status": "审核状态", "review_note": "审核意见", "deleted_at": "删除时间",
                  "delete_reason": "删除原因"}


def record_history(kind: KindSpec, record, *, reveal: bool) -> list[HistoryEntry]:
    """Every version of the record, newest first, with field-level changes (personal data masked
    unless ``reveal``). Two queries regardless of the number of versions."""
    versions = list(record.history.select_related("history_user").order_by("-history_date", "-history_id"))
    own = [f for f in kind.fields if f.type != UNIT and f.name not in RELATED.get(kind.key, {})]
    fields = [(f.name, f.label, f) for f in own] + [(n, label, None) for n, label in _REVIEW_LABELS.items()]
    entries = []
    for i, version in enumerate(versions):
        changes = []
        older = versions[i + 1] if i + 1 < len(versions) else None
        for name, label, spec in fields if older is not None else ():
            before, after = getattr(older, name, None), getattr(version, name, None)
            if before != after:
                changes.append((label, _shown(spec, before, reveal), _shown(spec, after, reveal)))
        user = version.history_user
        label, reason = _entry_label(version, older)
        entries.append(HistoryEntry(version.history_date, user.display_name if user else "系统", label, changes,
                                    reason if reveal else mask_text(reason)))
    return entries


def _entry_label(version, older) -> tuple[str, str]:
    """What a version did, as the reader names it, and its reason: a review is 审核通过 or 退回
    (with its reason; services.record_review also names the step in the change reason), an edit
    of a returned record is a resubmission; other versions are 新建 / 修改 / 删除."""
    plain = _TYPE.get(version.history_type, version.history_type)
    change_reason = version.history_change_reason or ""
    if change_reason == "审核通过":
        return "审核通过", version.review_note
    if change_reason.startswith("退回："):
        return "退回", version.review_note or change_reason.removeprefix("退回：")
    if version.history_type != "~" or older is None or older.review_status == version.review_status:
        return plain, change_reason
    if version.review_status == "returned":
        return "退回", version.review_note
    if version.review_status == "verified":
        return "审核通过", version.review_note
    if older.review_status == "returned":
        return "修改后重新提交", change_reason
    return plain, change_reason


def _shown(spec, value, reveal: bool):
    if value in (None, ""):
        return "—"
    if spec is None:
        shown = {"submitted": "已提交", "verified": "已审核", "returned": "已退回"}.get(value, value)
        return shown if reveal or not isinstance(shown, str) else mask_text(shown)
    if spec.choices:
        return spec.choice_labels.get(value, value)
    if spec.type == ID_NUMBER and not reveal:
        return mask_id_number(value)
    if spec.type == MOBILE and not reveal:
        return mask_mobile(value)
    if spec.type == TEXT and not reveal:
        return mask_text(value)
    return value


def attachments_of(record):
    return Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(type(record)), object_id=record.pk, deleted_at__isnull=True
    ).order_by("uploaded_at")


def attachment_for(user, pk: int) -> Attachment:
    attachment = Attachment.objects.select_related("unit").filter(pk=pk, deleted_at__isnull=True).first()
    if attachment is None or not can(user, Action.VIEW, attachment.unit):
        raise Http404("附件不存在或不在您的权限范围内")
    return attachment


# -- the county's 待审核 queue -------------------------------------------------------------------


@dataclass
class QueueItem:
    kind: KindSpec
    record: Any
    waiting_since: datetime


def _queue_union(user):
    """Every submitted, live record the user may review, across all kinds, as one SQL UNION of
    (waiting since, pk, kind key) rows. ``updated_at`` is when the record was last submitted (a
    correction resubmits it), so "oldest first" means "waiting longest first"."""
    from apps.evidence.kinds import KINDS
    from apps.evidence.models import ReviewStatus

    parts = [
        filter_for_user(spec.model.objects.filter(deleted_at__isnull=True, review_status=ReviewStatus.SUBMITTED),
                        user, Action.VERIFY)
        .annotate(kind_key=Value(key, output_field=CharField()))
        .values_list("updated_at", "pk", "kind_key")
        .order_by()
        for key, spec in KINDS.items()
    ]
    return parts[0].union(*parts[1:], all=True)


def review_queue_count(user) -> int:
    """How many records wait for this user's review (one query; 0 for who may not review)."""
    if not can_verify_somewhere(user):
        return 0
    return _queue_union(user).count()


# The 待审核 badge (navigation, county dashboard) counts at most this many records: it is on every
# page a reviewer opens, so its cost must not grow with a county's backlog; the queue page itself
# counts them all.
QUEUE_BADGE_LIMIT = 999


def review_queue_badge(user) -> str:
    """The badge's figure: how many records wait for this user's review, or ``999+`` (one query
    that stops counting past QUEUE_BADGE_LIMIT)."""
    if not can_verify_somewhere(user):
        return "0"
    waiting = _queue_union(user)[:QUEUE_BADGE_LIMIT + 1].count()
    return f"{QUEUE_BADGE_LIMIT}+" if waiting > QUEUE_BADGE_LIMIT else str(waiting)


def can_verify_somewhere(user) -> bool:
    from apps.accounts.access import ROLE_ACTIONS

    if not getattr(user, "is_authenticated", False):
        return False
    return Action.VERIFY in ROLE_ACTIONS.get(user.role, frozenset())


class ReviewQueue:
    """The queue as a sequence Django's Paginator can slice: one UNION query per page, then one
    query per kind present on the page for the records themselves."""

    def __init__(self, user):
        self.user = user
        self.rows = _queue_union(user).order_by("updated_at", "pk")

    def count(self) -> int:
        return self.rows.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        from apps.evidence.kinds import KINDS

        rows = list(self.rows[index]) if isinstance(index, slice) else [self.rows[index]]
        by_kind: dict[str, list[int]] = {}
        for _, pk, key in rows:
            by_kind.setdefault(key, []).append(pk)
        fetched = {}
        for key, pks in by_kind.items():
            spec = KINDS[key]
            for record in spec.model.objects.select_related(*_related(spec)).filter(pk__in=pks):
                fetched[key, record.pk] = record
        items = [QueueItem(KINDS[key], fetched[key, pk], at) for at, pk, key in rows if (key, pk) in fetched]
        return items if isinstance(index, slice) else items[0]


def next_in_queue(user, *, after: tuple[str, int] | None = None) -> QueueItem | None:
    """The oldest waiting record, skipping ``after`` (the record just decided, in case the
    decision failed and it is still waiting)."""
    for item in ReviewQueue(user)[:2]:
        if after is None or (item.kind.key, item.record.pk) != after:
            return item
    return None


def template_units(user, limit: int) -> list[tuple[str, str]]:
    """(code, name) of the units ``user`` may submit records for (townships and villages), for
    the 本单位代码 sheet of the import templates; at most ``limit`` + 1 (so the caller sees more)."""
    units = units_for(user, Action.SUBMIT).filter(level__in=RECORD_LEVELS).order_by("code")
    return list(units.values_list("code", "name")[: limit + 1])


def missing_teams(wanted: dict[tuple[Unit, str], str]) -> list[tuple[Unit, str, str]]:
    """(unit, name, type) of the wanted teams that do not exist yet (live), in one query."""
    stored = set(Team.objects.alive().filter(unit_id__in={u.pk for u, _ in wanted},
                                             name__in={n for _, n in wanted}).values_list("unit_id", "name"))
    return [(unit, name, team_type) for (unit, name), team_type in wanted.items() if (unit.pk, name) not in stored]


# ---------------------------------------------------------------------------
# 「重复在册」 (issue 17): people by identity key (``bi:…``, the blind index of the ID number;
# names never match), shared by the import warnings and compliance.conflict_selectors.
# ---------------------------------------------------------------------------


def counted_team_members(**unit_filter):
    """Counted, live members of counted, live teams; ``unit_filter`` narrows the team's unit (e.g.
    ``code__gte=…`` or ``county_code__in=…``)."""
    return TeamMember.objects.counted().filter(
        team__deleted_at__isnull=True, team__review_status__in=COUNTED_STATUSES,
        **{f"team__unit__{k}": v for k, v in unit_filter.items()})


def counted_memberships(**unit_filter):
    """counted_team_members with an ID number (compared by identity key)."""
    return counted_team_members(**unit_filter).filter(identity_key__startswith=BLIND_KEY)


def counted_people(**unit_filter):
    """Counted people with an ID number on the personnel rosters; ``unit_filter`` narrows the unit."""
    return Person.objects.counted().filter(identity_key__startswith=BLIND_KEY,
                                           **{f"unit__{k}": v for k, v in unit_filter.items()})


def active_on(start: str, on: date) -> Q:
    """Begun by ``on`` (``start``: joined_on / appointed_on) and not left by then."""
    return Q(**{f"{start}__lte": on}) & (Q(left_on__isnull=True) | Q(left_on__gt=on))


def shared_keys(records, within: str) -> list[str]:
    """The identity keys of ``records`` found in more than one ``within`` (team_id / unit_id), read
    now (one grouped query). A list, never a subquery for the caller's next query: on tables
    PostgreSQL has no statistics for yet (a new deployment's first big roster import) it planned
    ``identity_key IN (<this grouping>)`` as a nested loop that re-ran the grouping for every row,
    minutes for 10,000 rows."""
    return list(records.values("identity_key").annotate(n=Count(within, distinct=True)).filter(n__gt=1)
                .values_list("identity_key", flat=True))


def _shared(active, within: str, *values: str) -> list[dict]:
    """``values`` of the rows of ``active`` whose identity key is found in more than one ``within``
    (shared_keys, then their rows: none when no key is shared, the usual case)."""
    keys = shared_keys(active, within)
    return list(active.filter(identity_key__in=keys).values(*values)) if keys else []


def team_duplicates(*, county_codes: set[str], on: date) -> list[dict]:
    """「重复在册」 for the roster import's warnings: the counted memberships active on ``on`` of
    people active in more than one live team of one of these counties (_shared: two queries).
    Keys only, never a clear number."""
    active = counted_memberships(county_code__in=county_codes).filter(active_on("joined_on", on))
    return _shared(active, "team_id", "id", "identity_key", "team_id", "team__name", "team__unit__name",
                   "team__unit__county_code")


def unit_duplicates(*, county_codes: set[str], on: date) -> list[dict]:
    """「重复在册」 for the personnel import's warnings: counted people active on ``on`` whose
    identity key is on the personnel rosters of more than one unit of one of these counties
    (_shared: two queries). Keys only."""
    active = counted_people(county_code__in=county_codes).filter(active_on("appointed_on", on))
    return _shared(active, "unit_id", "id", "identity_key", "unit_id", "unit__name", "unit__county_code")
