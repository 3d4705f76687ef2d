"""Reads behind the portal's pages. Evaluations come from the compliance selectors (stored
snapshots, computed on demand); everything else is a fixed number of queries per page, whatever
the size of the subtree."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q

from apps.accounts.access import Action, filter_for_user, units_for
from apps.compliance import selectors as compliance
from apps.compliance.models import Snapshot
from apps.compliance.results import RequirementResult, Status, Task, UnitEvaluation
from apps.evidence import models as ev
from apps.jurisdictions.codes import SIGNIFICANT_DIGITS, Level, subtree_range
from apps.jurisdictions.models import Unit
from apps.policies.models import RequirementVersion, Topic
from apps.portal import links
from apps.portal.models import Supervision

UPCOMING_DAYS = 90
UNIT_FIELDS = ("id", "code", "name", "level", "flags", "parent_id", "province_code", "county_code", "township_code")


def subtree_units(root: Unit) -> list[Unit]:
    return list(Unit.objects.subtree(root).only(*UNIT_FIELDS).order_by("code"))


def topic_labels() -> dict[str, str]:
    return dict(Topic.choices)


# -- county dashboard -----------------------------------------------------------------------
@dataclass
class Cell:
    topic: str
    status: str | None  # None: nothing of this topic applies to the row
    title: str = ""
    url: str = ""
    # When the colour comes only from villages below the row's unit: 「含所辖村：东关村 已逾期」.
    own_status: str | None = None
    below_note: str = ""

    @property
    def text(self) -> str:
        """What the cell says: its status, or, when villages set the colour, the row unit's own."""
        if not self.below_note:
            return self.label
        return f"本级{Status.LABELS[self.own_status]}" if self.own_status else "本级不适用"

    @property
    def colour(self) -> str:
        return Status.COLOURS.get(self.status, "grey") if self.status else "none"

    @property
    def label(self) -> str:
        return Status.LABELS.get(self.status, "") if self.status else "不适用"


@dataclass
class MatrixRow:
    unit: Unit
    rollup: compliance.RollUp | None
    cells: list[Cell]
    flags: set[str]
    overdue: int = 0
    village_count: int = 0
    own_grade: str = ""  # the grade of the unit's own score (rollup.grade is the subtree's)


@dataclass
class RequirementCount:
    requirement: str
    title: str
    count: int
    max_days: int


@dataclass
class Dashboard:
    root: Unit
    as_of: date
    root_rollup: compliance.RollUp | None
    topics: list[tuple[str, str]]
    rows: list[MatrixRow]
    overdue_by_requirement: list[RequirementCount]
    trend: list[tuple[date, float | None]]
    total_rows: int = 0

    @property
    def overdue_total(self) -> int:
        return sum(c.count for c in self.overdue_by_requirement)


STATUS_FILTERS = {"red": "红（逾期/未达标）", "yellow": "黄（即将到期/待完成）", "green": "绿（已达标）", "grey": "灰（无数据）"}


def _row_unit_level(root: Unit) -> str:
    return Level.ORDER[Level.ORDER.index(root.level) + 1]


def county_dashboard(*, root: Unit, as_of: date, flag: str = "", colour: str = "", cell_url=None) -> Dashboard:
    """Rows = the root's children (townships of a county) with their villages rolled up; columns =
    requirement topics; each cell the worst binding status of that topic in the row's subtree.

    A county's numbers come from the summary its nightly task stored (compliance.county_summary)
    while its data is unchanged: no snapshot is decoded and no unit below the rows is read (the
    rows' flags and sizes are in the summary), the page costs the same for 20 or 400 villages.
    Another root, or a date without a stored run, is evaluated live (nothing stored)."""
    report = compliance.stored_county_report(root, as_of)
    if report is not None:
        summary = report.summary
        units = [root, *Unit.objects.subtree(root).filter(level=summary["row_level"]).only(*UNIT_FIELDS).order_by("code")]
    else:
        units = subtree_units(root)
        evaluations: dict[str, UnitEvaluation] = compliance.evaluate_subtree(root, as_of)
        rows = compliance.overdue_rows(evaluations, as_of, ("overdue", "non_compliant"))
        summary = compliance.county_summary(root, units, evaluations, rows)
    row_level = summary["row_level"]
    digits = SIGNIFICANT_DIGITS[row_level]
    row_units = [u for u in units if u.level == row_level]

    labels = topic_labels()
    seen_topics = set(summary["topics"])
    topics = [(t, labels.get(t, t)) for t in labels if t in seen_topics]
    topics += [(t, t) for t in sorted(seen_topics - set(labels))]
    by_unit = {u.code: u for u in units}
    rollups = {code: compliance.RollUp.from_summary(by_unit[code], r)
               for code, r in summary["rollups"].items() if code in by_unit}

    rows = []
    for u in row_units:
        prefix = u.code[:digits]
        stored = summary["cells"].get(prefix, {})
        cells = [_cell(u, topic, stored[topic], cell_url) if topic in stored else Cell(topic, None)
                 for topic, _label in topics]
        rows.append(MatrixRow(u, rollups.get(u.code), cells, set(summary["flags"].get(prefix, ())),
                              summary["overdue_per_row"].get(prefix, 0), summary["sizes"].get(prefix, 1) - 1,
                              summary["own_grade"].get(u.code, "")))

    total = len(rows)
    if flag:
        rows = [r for r in rows if flag in r.flags]
    if colour:
        rows = [r for r in rows if any(c.colour == colour for c in r.cells)]
    return Dashboard(
        root=root,
        as_of=as_of,
        root_rollup=rollups.get(root.code),
        topics=topics,
        rows=rows,
        overdue_by_requirement=[RequirementCount(*item) for item in summary["by_requirement"]],
        trend=compliance.subtree_score_history(root, limit=12, units=None if report else units, until=as_of),
        total_rows=total,
    )


def _cell(unit: Unit, topic: str, stored: dict, cell_url) -> Cell:
    """The worst status of the topic in the row's subtree; when the row unit itself is better,
    the cell names the villages that make it worse (compliance.county_summary's 'below')."""
    worst, own_status = stored["worst"], stored["own"]
    title = "；".join(stored["titles"])[:200]
    note = ""
    if own_status != worst:
        below = stored["below"]
        shown = "、".join(below[:3]) + (f" 等 {len(below)} 个" if len(below) > 3 else "")
        note = f"含所辖村：{shown} {Status.LABELS[worst]}"
        title = f"{note}（{title}）"[:200]
    return Cell(topic, worst, title, cell_url(unit, topic) if cell_url else "", own_status, note)


# -- overdue tasks ------------------------------------------------------------------------
OVERDUE_STATUSES = ("overdue", "non_compliant", "due_soon")


def overdue_listing(*, root: Unit, as_of: date, status: str = "") -> compliance.OverdueListing:
    """The overdue list's tasks of one status (or all three), to filter, order and page: in SQL
    over a county's current stored report (compliance.OverdueListing)."""
    statuses = (status,) if status in OVERDUE_STATUSES else OVERDUE_STATUSES
    return compliance.OverdueListing(root, as_of, statuses)


def overdue_rows(*, root: Unit, as_of: date, status: str = "", unit_prefix: str = "", requirement: str = "",
                 sort: str = "days"):
    """The overdue list's rows (a sequence the paginator slices in SQL where they are stored)."""
    return overdue_listing(root=root, as_of=as_of, status=status).rows(unit_prefix=unit_prefix,
                                                                        requirement=requirement, sort=sort)


def child_unit_choices(root: Unit) -> list[tuple[str, str]]:
    """(code prefix, name) of the root's direct children: the overdue list's unit drop-down."""
    return [(u.code_prefix, u.name) for u in Unit.objects.filter(parent=root).order_by("code").only(
        "code", "name", "level")]


# -- township workspace ---------------------------------------------------------------------
@dataclass
class WorkItem:
    unit_code: str
    unit_name: str
    result: RequirementResult
    missing: str
    create_url: str = ""
    import_url: str = ""
    evidence_label: str = ""


@dataclass
class UpcomingTask:
    unit_code: str
    unit_name: str
    requirement: str
    title: str
    task: Task
    create_url: str = ""


@dataclass
class Workspace:
    unit: Unit
    as_of: date
    items: list[WorkItem]
    upcoming: list[UpcomingTask]
    returned: list[dict]
    supervisions: list[Supervision]
    rollups: dict = field(default_factory=dict)
    units: list[Unit] = field(default_factory=list)
    own_grade: str = ""  # grade of the township's own score (the rollup's grade is the subtree's)


def _missing_words(result: RequirementResult) -> str:
    if result.missing:
        return result.missing
    return "；".join(t.missing for t in result.tasks if t.missing and t.status != Status.COMPLIANT)[:300]


def requirement_params(evaluations) -> dict[tuple[str, int], dict]:
    """Parameters of the requirement versions these evaluations used, by (code, version): one query."""
    from apps.policies.models import RequirementVersion

    wanted = {(r.requirement, r.version) for e in evaluations for r in e.results}
    codes = {code for code, _ in wanted}
    rows = RequirementVersion.objects.filter(requirement__code__in=codes).values_list(
        "requirement__code", "version", "params")
    return {(code, version): params for code, version, params in rows if (code, version) in wanted}


def township_workspace(*, user, unit: Unit, as_of: date, can_submit: bool) -> Workspace:
    units = subtree_units(unit)
    names = {u.code: u.name for u in units}
    evaluations = compliance.evaluate_subtree(unit, as_of)
    rollups = compliance.rollup(evaluations, units)
    items: list[WorkItem] = []
    upcoming: list[UpcomingTask] = []
    horizon = as_of + timedelta(days=UPCOMING_DAYS)
    params = requirement_params(evaluations.values()) if can_submit else {}
    for code in sorted(evaluations, key=lambda c: (c != unit.code, c)):
        evaluation = evaluations[code]
        for result in evaluation.results:
            kind = links.evidence_kind_for(result.kind, result.topic)
            presets = links.form_presets(result.kind, params.get((result.requirement, result.version), {}))
            create = links.evidence_create_url(kind, code, presets) if can_submit else ""
            items.append(
                WorkItem(
                    code, names.get(code, evaluation.unit_name), result, _missing_words(result), create,
                    links.evidence_import_url(kind) if can_submit and kind else "", links.EVIDENCE_LABELS.get(kind, ""),
                )
            )
            if result.advisory:
                continue
            for task in result.tasks:
                if task.status != Status.COMPLIANT and task.due and as_of <= task.due <= horizon:
                    upcoming.append(UpcomingTask(code, names.get(code, ""), result.requirement, result.title, task, create))
    items.sort(key=lambda i: (Status.SEVERITY.index(i.result.status) if i.result.status in Status.SEVERITY else 9,
                              i.result.advisory, i.result.due or date.max, i.unit_code))
    upcoming.sort(key=lambda t: (t.task.due, t.unit_code, t.requirement))
    return Workspace(
        unit=unit, as_of=as_of, items=items, upcoming=upcoming,
        returned=returned_records(user=user, root=unit),
        supervisions=supervisions_for(user=user, root=unit)[:20],
        rollups=rollups, units=units,
        own_grade=evaluations[unit.code].grade if unit.code in evaluations and evaluations[unit.code].score is not None
        else "",
    )


def returned_records(*, user, root: Unit, limit: int = 50) -> list[dict]:
    """Records the county returned, with the reason: one query per evidence kind."""
    kinds = [
        (ev.Person, "personnel", "name"), (ev.Team, "roster", "name"), (ev.TeamMember, "roster", "name"),
        (ev.Drill, "drills", "subject"), (ev.Training, "trainings", "course"), (ev.Meeting, "meetings", "topic"),
        (ev.Facility, "facilities", "name"), (ev.WarningRelay, "warnings", "warning_id"),
        (ev.StandingDocument, "documents", "title"),
    ]
    rows = []
    rng = subtree_range(root.code, root.level)
    for model, kind, label_field in kinds:
        qs = filter_for_user(model.objects.alive(), user, Action.VIEW).filter(
            review_status=ev.ReviewStatus.RETURNED, unit__code__gte=rng.low, unit__code__lte=rng.high,
        ).values("pk", "unit__code", "unit__name", "review_note", "reviewed_at", "updated_at", label_field)[:limit]
        for r in qs:
            rows.append({
                "kind": kind, "kind_label": model._meta.verbose_name, "pk": r["pk"], "label": r[label_field],
                "unit_code": r["unit__code"], "unit_name": r["unit__name"], "reason": r["review_note"],
                "returned_at": r["reviewed_at"] or r["updated_at"],
                "url": links.evidence_list_url(kind, r["unit__code"]),
            })
    rows.sort(key=lambda r: r["returned_at"], reverse=True)
    return rows[:limit]


def supervisions_for(*, user, root: Unit):
    """督办 reminders to the root's subtree that the user may see, newest first (a queryset)."""
    rng = subtree_range(root.code, root.level)
    return filter_for_user(
        Supervision.objects.select_related("unit", "created_by", "acknowledged_by", "replied_by", "closed_by"),
        user, Action.VIEW,
    ).filter(unit__code__gte=rng.low, unit__code__lte=rng.high)


def overdue_supervisions(*, user, root: Unit, today: date):
    """Open 督办 past their 办理时限 in the root's subtree, longest overdue first."""
    return supervisions_for(user=user, root=root).filter(closed_at__isnull=True, due_on__lt=today).order_by(
        "due_on", "pk")


def supervision_for(*, user, pk: int, action: Action = Action.VIEW) -> Supervision:
    """One 督办 if the user may do ``action`` on its unit; 404 otherwise."""
    from django.http import Http404

    from apps.accounts.access import can

    supervision = Supervision.objects.select_related(
        "unit", "created_by", "acknowledged_by", "replied_by", "closed_by").filter(pk=pk).first()
    if supervision is None or not can(user, action, supervision.unit):
        raise Http404("督办不存在")
    return supervision


def reply_candidates(*, supervision: Supervision, limit: int = 30) -> list[tuple[str, int, str]]:
    """Records the unit may name in its 反馈: live records of the 督办's kind in its subtree,
    newest first, as (kind, pk, label)."""
    from apps.evidence.kinds import KINDS

    spec = KINDS.get(supervision.evidence_kind)
    if spec is None:
        return []
    prefix = supervision.unit.code_prefix
    qs = spec.model.objects.alive().select_related("unit").filter(unit__code__startswith=prefix).order_by("-pk")
    return [(spec.key, r.pk, f"{r.unit.name} · {r}") for r in qs[:limit]]


# -- unit page ------------------------------------------------------------------------------
EVIDENCE_SECTIONS = [
    ("personnel", "Person", ("name", "category", "appointed_on", "left_on")),
    ("roster", "Team", ("name", "team_type")),
    ("drills", "Drill", ("held_on", "drill_type", "subject")),
    ("trainings", "Training", ("held_on", "course", "person__name")),
    ("meetings", "Meeting", ("held_on", "meeting_type", "topic")),
    ("facilities", "Facility", ("facility_type", "name", "quantity", "in_service_from")),
    ("warnings", "WarningRelay", ("warning_id", "received_at", "relayed_at")),
    ("documents", "StandingDocument", ("doc_type", "title", "dated", "valid_until")),
]


def unit_evidence(*, user, unit: Unit, per_kind: int = 10) -> list[dict]:
    """The latest records of each kind owned by the unit itself (one query per kind)."""
    sections = []
    for kind, model_name, fields in EVIDENCE_SECTIONS:
        model = getattr(ev, model_name)
        qs = filter_for_user(model.objects.alive(), user, Action.VIEW).filter(unit=unit)
        records = list(qs.select_related("person") if kind == "trainings" else qs)[:per_kind]
        rows = []
        for rec in records:
            cells = []
            for f in fields:
                if f == "person__name":
                    cells.append(rec.person.name)
                    continue
                display = getattr(rec, f"get_{f}_display", None)
                cells.append(display() if display else getattr(rec, f))
            rows.append({"cells": cells, "status": rec.review_status, "status_label": rec.get_review_status_display(),
                         "note": rec.review_note})
        headers = [
            model._meta.get_field(f).verbose_name if "__" not in f else "人员" for f in fields
        ]
        sections.append({
            "kind": kind, "label": model._meta.verbose_name, "headers": headers, "rows": rows,
            "list_url": links.evidence_list_url(kind, unit.code),
        })
    return sections


@dataclass
class StatusChange:
    on: date
    requirement: str
    title: str
    before: str | None
    after: str


def status_changes(*, unit: Unit, limit: int = 12) -> list[StatusChange]:
    """Changes of requirement status between the unit's stored snapshots (oldest first). The
    snapshots are compact (requirement, version, status, …): titles come from the catalog."""
    rows = list(Snapshot.objects.filter(unit=unit).order_by("-as_of").values_list("as_of", "results")[:limit])
    versions = {(r[0], r[1]) for _, results in rows for r in results or []}
    titles = {
        (code, version): title
        for code, version, title in RequirementVersion.objects.filter(
            requirement__code__in={code for code, _ in versions}).values_list("requirement__code", "version", "title")
    }
    changes: list[StatusChange] = []
    previous: dict[str, str] = {}
    for on, results in reversed(rows):
        current = {}
        for requirement, version, status, *_ in results or []:
            current[requirement] = status
            if previous and previous.get(requirement) != status:
                changes.append(StatusChange(on, requirement, titles.get((requirement, version), ""),
                                            previous.get(requirement), status))
        previous = current
    return changes


# -- search ---------------------------------------------------------------------------------
def search_units(*, user, query: str, level: str = ""):
    qs = units_for(user, Action.VIEW).only(*UNIT_FIELDS)
    query = (query or "").strip()
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(code__startswith=query))
    if level in Level.LABELS:
        qs = qs.filter(level=level)
    return qs.order_by("code")


def parent_chain(unit: Unit) -> list[Unit]:
    return list(unit.ancestors().only(*UNIT_FIELDS))
