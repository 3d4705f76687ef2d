"""Reads: evaluations of units and subtrees, roll-ups, overdue tasks, score history.

Set-based: a subtree's evidence is loaded with one query per evidence kind, filtered by the
code range of the subtree, and grouped in Python; the pure rules (rules.py) do the rest. So
evaluating a township, a county or a province issues the same number of queries.
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_right
from collections import defaultdict
from dataclasses import astuple, dataclass, field
from datetime import date, datetime
from itertools import groupby
from operator import itemgetter
from typing import ClassVar, NamedTuple

from django.conf import settings
from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, Collate, Substr, TruncDate
from django.utils import timezone

from apps.compliance import rules
from apps.compliance.conflict_selectors import county_range, memberships_elsewhere
from apps.compliance.models import CountyOverdueRow, CountyReport, EvaluationRun, Snapshot
from apps.compliance.results import Source, Status, UnitEvaluation
from apps.core import prepared
from apps.core.dates import parse_period
from apps.evidence import models as ev
from apps.evidence.models import BLIND_KEY
from apps.evidence.selectors import counted_memberships, counted_team_members
from apps.jurisdictions.codes import SIGNIFICANT_DIGITS, CodeRange, Level, subtree_range
from apps.jurisdictions.models import Unit
from apps.policies.models import Citation, RequirementVersion
from apps.policies.selectors import versions_in_force


# ---------------------------------------------------------------------------
# Catalog
# ---------------------------------------------------------------------------
def spec_from_version(version: RequirementVersion) -> rules.Spec:
    citations = sorted(version.citations.all(), key=lambda c: (c.order, c.pk))
    return rules.Spec(
        requirement=version.requirement.code,
        version=version.version,
        title=version.title,
        kind=version.kind,
        params=dict(version.params or {}),
        effective_from=version.effective_from,
        topic=version.requirement.topic,
        levels=tuple(version.level_list),
        scope_province_code=version.scope_province_code,
        flags_any=tuple(version.flag_list),
        deadline=version.deadline,
        binding=version.binding,
        weight=float(version.weight or 0),
        sources=tuple(
            Source(document=c.clause.document.short_name, clause=c.clause.number, quote=c.quote,
                   scope=c.clause.document.scope_province_code)
            for c in citations
        ),
        obligation_from=version.obligation_from,
        supersedes=tuple(version.supersedes_list),
    )


def specs_in_force(as_of: date) -> list[rules.Spec]:
    return [spec_from_version(v) for v in versions_in_force(as_of)]


# (catalog key, as_of) -> (specs in force, later catalog dates): built once per process and night
# instead of once per county task (docs/performance.md, "Fixed cost per county task").
_NIGHT_CATALOG: dict[tuple[str, date], tuple[tuple[rules.Spec, ...], tuple[date, ...]]] = {}
_NIGHT_CATALOG_SIZE = 8


def night_catalog(catalog: str, as_of: date) -> tuple[list[rules.Spec], list[date]]:
    """``specs_in_force(as_of)`` and ``catalog_dates(as_of)`` for the catalog whose key
    (``catalog_key()``) the caller has just read, cached per process by (key, date): any change to
    the versions, citations or rule settings moves the key, so a stale entry is never read (specs
    are frozen; fresh lists are returned). Bounded: the oldest entries are dropped."""
    key = (catalog, as_of)
    hit = _NIGHT_CATALOG.get(key)
    if hit is None:
        hit = (tuple(specs_in_force(as_of)), tuple(catalog_dates(as_of)))
        while len(_NIGHT_CATALOG) >= _NIGHT_CATALOG_SIZE:
            _NIGHT_CATALOG.pop(next(iter(_NIGHT_CATALOG), None), None)  # (lanes of one process share it)
        _NIGHT_CATALOG[key] = hit
    return list(hit[0]), list(hit[1])


def rule_settings() -> rules.Settings:
    return rules.Settings(
        due_soon_days=settings.COMPLIANCE_DUE_SOON_DAYS,
        grade_excellent=settings.COMPLIANCE_GRADE_EXCELLENT,
        grade_pass=settings.COMPLIANCE_GRADE_PASS,
    )


# ---------------------------------------------------------------------------
# Facts
# ---------------------------------------------------------------------------
def unit_facts(unit: Unit) -> rules.UnitFacts:
    return rules.UnitFacts(
        code=unit.code, name=unit.name, level=unit.level, province_code=unit.province_code,
        flags=tuple(unit.flag_list), tracking_start=unit.tracking_start,
    )


def _in_range(rng: CodeRange, path: str = "unit__") -> dict:
    return {f"{path}code__gte": rng.low, f"{path}code__lte": rng.high}


def load_evidence(rng: CodeRange) -> dict[int, rules.Evidence]:
    """All counted evidence of the units in the code range, by unit id: one query per kind."""
    by_unit: dict[int, rules.Evidence] = defaultdict(rules.Evidence)
    for row in ev.Person.objects.counted().filter(**_in_range(rng)).values(
        "id", "unit_id", "name", "category", "appointed_on", "left_on"
    ):
        uid = row.pop("unit_id")
        by_unit[uid].people.append(rules.PersonFact(**row))
    for row in (
        ev.Training.objects.counted()
        .filter(person__deleted_at__isnull=True, **_in_range(rng, "person__unit__"))
        .values("id", "person_id", "person__unit_id", "held_on", "created_at")
    ):
        by_unit[row["person__unit_id"]].trainings.append(
            rules.TrainingFact(id=row["id"], person_id=row["person_id"], held_on=row["held_on"],
                               entered_on=_local_date(row["created_at"]))
        )
    elsewhere = memberships_elsewhere(rng)  # 「重复在册」: the same person in other teams of the county
    for row in counted_team_members(code__gte=rng.low, code__lte=rng.high).values(
        "id", "team_id", "team__unit_id", "team__team_type", "name", "identity_key", "joined_on", "left_on"
    ):
        by_unit[row["team__unit_id"]].members.append(
            rules.MemberFact(id=row["id"], team_type=row["team__team_type"], name=row["name"],
                             person_key=row["identity_key"], joined_on=row["joined_on"], left_on=row["left_on"],
                             team_id=row["team_id"], elsewhere=elsewhere.get(row["id"], ()))
        )
    for row in ev.Drill.objects.counted().filter(**_in_range(rng)).values(
        "id", "unit_id", "drill_type", "held_on", "evaluation", "created_at"
    ):
        by_unit[row["unit_id"]].drills.append(
            rules.EventFact(row["id"], row["drill_type"], row["held_on"], evaluated=bool(row["evaluation"].strip()),
                            entered_on=_local_date(row["created_at"]))
        )
    for row in ev.Meeting.objects.counted().filter(**_in_range(rng)).values(
        "id", "unit_id", "meeting_type", "held_on", "created_at"
    ):
        by_unit[row["unit_id"]].meetings.append(
            rules.EventFact(row["id"], row["meeting_type"], row["held_on"], entered_on=_local_date(row["created_at"]))
        )
    for row in ev.StandingDocument.objects.counted().filter(**_in_range(rng)).values(
        "id", "unit_id", "doc_type", "dated", "valid_until", "campaign", "created_at"
    ):
        by_unit[row["unit_id"]].documents.append(
            rules.EventFact(row["id"], row["doc_type"], row["dated"], row["valid_until"], tag=row["campaign"],
                            entered_on=_local_date(row["created_at"]))
        )
    for row in ev.Facility.objects.counted().filter(**_in_range(rng)).values(
        "id", "unit_id", "facility_type", "quantity", "in_service_from", "in_service_to"
    ):
        uid = row.pop("unit_id")
        by_unit[uid].facilities.append(rules.FacilityFact(**row))
    for row in ev.WarningRelay.objects.counted().filter(**_in_range(rng)).values(
        "id", "unit_id", "warning_id", "received_at", "relayed_at"
    ):
        by_unit[row["unit_id"]].relays.append(
            rules.RelayFact(
                id=row["id"], warning_id=row["warning_id"],
                received_on=timezone.localtime(row["received_at"]).date(),
                minutes=(row["relayed_at"] - row["received_at"]).total_seconds() / 60,
            )
        )
    return by_unit


def among_sql(column: str, values: list) -> tuple[str, list]:
    """``column`` is one of ``values``, as SQL and its one parameter, one statement whatever the
    number of values. On PostgreSQL a join with the array (``IN (SELECT unnest(…))``): planned as
    one index probe per value even for a date the planner has no statistics for yet (tonight's
    snapshots), where ``= ANY(…)`` became a scan of the whole date filtered by the array, slower
    with every county written. SQLite: a JSON list."""
    if connection.vendor == "postgresql":
        return f"{column} IN (SELECT unnest(%s))", [values]
    return f"{column} IN (SELECT value FROM json_each(%s))", [json.dumps(values)]  # noqa: S608


def among(values: list):
    """``values`` as the right-hand side of an ``__in`` lookup planned as among_sql's."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s)", [values])
    return values


def _where(path: str, low: str, high: str, ids: list[int] | None) -> dict:
    """Lookups of the units in [low, high] (and among ``ids``) through ``path``."""
    lookups = _in_range(CodeRange(low, high), path)
    if ids is not None:
        lookups[f"{path}id__in"] = among(ids)
    return lookups


# The night's queries are the same SQL for every county task, only their values differ. Django
# took ≈ 5 ms per county task to build them again (filters, joins, compilation); on PostgreSQL each
# is compiled once per process and shape, with a sentinel in place of each value, and reused with
# the task's values in the sentinels' parameter positions.
_COMPILED: dict[tuple, tuple[str, list, list]] = {}


def _sentinel(index: int, value):
    """A value of ``value``'s type that no real query parameter equals."""
    if isinstance(value, str):
        return f"\x00sentinel{index}"
    if type(value) is int:
        return -10**15 - index
    if isinstance(value, datetime):
        return datetime(1, 1, 1 + index, tzinfo=value.tzinfo)
    if isinstance(value, date):
        return date(1, 1, 1 + index)
    if isinstance(value, list):
        return [-1 - index]
    raise TypeError(f"no sentinel for {type(value).__name__}")


def _compiled(key: tuple, build, **values) -> tuple[str, list]:
    """``build(**values).query.sql_with_params()``; on PostgreSQL compiled once per ``key`` (which
    must name everything the SQL's shape depends on: None values, the range's kind)."""
    if connection.vendor != "postgresql":
        return build(**values).query.sql_with_params()
    key = (*key, timezone.get_current_timezone_name())  # (dates truncated in the current time zone)
    hit = _COMPILED.get(key)
    if hit is None:
        sentinels = {name: _sentinel(i, v) for i, (name, v) in enumerate(values.items()) if v is not None}
        sql, params = build(**{**values, **sentinels}).query.sql_with_params()
        slots = [next((name for name, s in sentinels.items() if type(p) is type(s) and p == s), None)
                 for p in params]
        hit = _COMPILED[key] = (sql, list(params), slots)
    sql, params, slots = hit
    return sql, [values[slot] if slot else p for p, slot in zip(params, slots, strict=True)]


def night_rows(key: tuple, build, prepare: bool = True, **values):
    """The rows of the values_list query ``build(**values)`` (expressions listed last, so the SQL's
    column order is the tuple's). On PostgreSQL compiled once (_compiled), prepared once per
    connection (core.prepared; ``prepare=False`` where a plan made without the values could read
    far more rows) and read straight from the cursor: psycopg2 already returns dates, intervals
    and arrays, and Django's per-row converters were a quarter of the load's time (JSON columns
    come back as text: json_value). SQLite: the queryset (its converters parse the computed dates)."""
    if connection.vendor != "postgresql":
        return iter(build(**values))
    sql, params = _compiled(key, build, **values)
    with connection.cursor() as cursor:
        if prepare:
            prepared.execute(cursor, sql, params)
        else:
            cursor.execute(sql, params)
        return cursor.fetchall()


def json_value(value):
    """A JSON column's value as night_rows returns it (PostgreSQL: its text; SQLite: decoded)."""
    return json.loads(value) if isinstance(value, str) else value


def load_facts(rng: CodeRange, as_of: date, unit_ids: list[int] | None = None) -> dict[int, rules.Evidence]:
    """What the rules need to evaluate the units in the code range on ``as_of``, by unit id: one
    query per kind, the grouping done by the database where the rules only need a figure.

    - facilities: the quantity in service on ``as_of`` per type (``SUM``);
    - trainings: each counted person's training dates up to ``as_of`` (``ARRAY_AGG`` per person
      on PostgreSQL; SQLite sends them ordered by person and Python groups consecutive rows);
    - team members: each team's distinct members counting on ``as_of``, 「重复在册」 settled
      (team_facts);
    - people, drills, meetings, documents, relays: one tuple per record (the tasks name every
      record they count), with the entry date and relay delay computed by the database.
    The rules read these through rules.facility_totals / training_dates / team_sizes, exactly as
    they read load_evidence's records (tests/performance/test_facts_equality.py).

    ``unit_ids`` narrows every query to those units of the range (the nightly task's units that
    are not carried over); the 「重复在册」 memberships are then those units' members' other
    memberships anywhere in the county."""

    def rows(name: str, build):
        """The rows of one query of the night (``build(low, high, ids, on)``, night_rows)."""
        return night_rows((name, unit_ids is None), build, low=rng.low, high=rng.high, ids=unit_ids, on=as_of)

    by_unit: dict[int, rules.Evidence] = defaultdict(lambda: rules.Evidence(facts_on=as_of))
    for pk, uid, name, category, appointed_on, left_on in rows("people", lambda low, high, ids, on: (
            ev.Person.objects.counted().filter(**_where("unit__", low, high, ids)).order_by()
            .values_list("id", "unit_id", "name", "category", "appointed_on", "left_on"))):
        by_unit[uid].people.append(rules.PersonFact(pk, name, category, appointed_on, left_on))
    person_unit = {p.id: uid for uid, e in by_unit.items() for p in e.people}

    def trainings(low, high, ids, on):
        return (ev.Training.objects.counted()
                .filter(person__deleted_at__isnull=True, **_where("person__unit__", low, high, ids)))

    # Every date, split at as_of here: the later ones only tell valid_until when the facts change.
    if connection.vendor == "postgresql":
        grouped = rows("trainings", lambda **v: trainings(**v).order_by().values("person_id").annotate(
            dates=ArrayAgg("held_on", order_by="held_on")).values_list("person_id", "dates"))
    else:
        ordered = trainings(rng.low, rng.high, unit_ids, as_of).order_by("person_id", "held_on").values_list(
            "person_id", "held_on")
        grouped = ((pid, [d for _, d in group]) for pid, group in groupby(ordered, key=itemgetter(0)))
    for person_id, dates in grouped:
        if person_id in person_unit:  # trainings of a person who is not counted are never read
            facts = by_unit[person_unit[person_id]]
            if dates[-1] > as_of:
                k = bisect_right(dates, as_of)
                facts.next_change = min(dates[k], facts.next_change or dates[k])
                dates = dates[:k]
            if dates:
                facts.person_trainings[person_id] = dates
    for uid, team_id, team_type, n, change in team_facts(rng, as_of, unit_ids):
        facts = by_unit[uid]
        if n:
            facts.team_sizes[(team_id, team_type)] = n
        if change is not None and (facts.next_change is None or change < facts.next_change):
            facts.next_change = change

    def facilities(low, high, ids, on):
        # In service on the date (summed), or entering or leaving service later (valid_until).
        in_service = Q(in_service_from__lte=on) & (Q(in_service_to__isnull=True) | Q(in_service_to__gt=on))
        return (ev.Facility.objects.counted()
                .filter(Q(in_service_from__gt=on) | Q(in_service_to__gt=on) | in_service,
                        **_where("unit__", low, high, ids))
                .order_by().values("unit_id", "facility_type")
                .annotate(n=Sum("quantity", filter=in_service),
                          starts=Min("in_service_from", filter=Q(in_service_from__gt=on)),
                          ends=Min("in_service_to", filter=Q(in_service_to__gt=on)))
                .values_list("unit_id", "facility_type", "n", "starts", "ends"))

    for uid, facility_type, n, starts, ends in rows("facilities", facilities):
        facts = by_unit[uid]
        if n:
            facts.facility_quantities[facility_type] = n
        for day in (starts, ends):
            if day is not None and (facts.next_change is None or day < facts.next_change):
                facts.next_change = day

    def records(model, *columns):
        return lambda low, high, ids, on: model.objects.counted().filter(
            **_where("unit__", low, high, ids)).values_list(*columns)

    entered = TruncDate("created_at")
    for pk, uid, kind, on, evaluation, day in rows("drills", records(
            ev.Drill, "id", "unit_id", "drill_type", "held_on", "evaluation", entered)):
        by_unit[uid].drills.append(rules.EventFact(pk, kind, on, evaluated=bool(evaluation.strip()), entered_on=day))
    for pk, uid, kind, on, day in rows("meetings", records(
            ev.Meeting, "id", "unit_id", "meeting_type", "held_on", entered)):
        by_unit[uid].meetings.append(rules.EventFact(pk, kind, on, entered_on=day))
    for pk, uid, kind, on, valid_until, tag, day in rows("documents", records(
            ev.StandingDocument, "id", "unit_id", "doc_type", "dated", "valid_until", "campaign", entered)):
        by_unit[uid].documents.append(rules.EventFact(pk, kind, on, valid_until, tag=tag, entered_on=day))
    delay = ExpressionWrapper(F("relayed_at") - F("received_at"), output_field=DurationField())
    for pk, uid, warning_id, received_on, took in rows("relays", records(
            ev.WarningRelay, "id", "unit_id", "warning_id", TruncDate("received_at"), delay)):
        by_unit[uid].relays.append(rules.RelayFact(pk, warning_id, received_on, took.total_seconds() / 60))
    return by_unit


def team_facts(rng: CodeRange, as_of: date, unit_ids: list[int] | None = None) -> list[tuple]:
    """The team facts of the units in the range (narrowed to ``unit_ids``) on ``as_of``, grouped by
    the database in one statement: ``(unit id, team id, team type, members counting, None)`` per
    team with members counting (rules.team_sizes: distinct people by identity key, a person with
    memberships of several teams of the county counting only for the one rules.counting_membership
    picks — the earliest joining date, then the team recorded first, then the membership), and
    ``(unit id, None, None, 0, date)``: the earliest date after ``as_of`` on which one of the
    unit's memberships, or another team's membership of one of its members, starts or ends
    (rules.valid_until). The memberships read are the units' own and, anywhere in the county,
    those sharing an identity key with them (through the identity-key index)."""
    whole = county_range(rng)
    columns = ("id", "team_id", "team__unit_id", "team__team_type", "identity_key", "name", "joined_on", "left_on",
               "team__unit__code")
    alone = unit_ids is None and rng == whole  # the whole county: the memberships sharing keys are in it

    def members(low, high, county_low, county_high, ids):
        chosen = Q(**_where("team__unit__", low, high, ids))
        base = counted_team_members().filter(chosen).order_by().values_list(*columns)
        if alone:
            return base
        # Two index paths, not one OR (which read every membership of the county): the chosen
        # units' teams, and the keyed memberships anywhere in the county sharing their keys.
        keys = counted_memberships(code__gte=low, code__lte=high).filter(chosen).values("identity_key")
        return base.union(counted_memberships(code__gte=county_low, code__lte=county_high)
                          .filter(identity_key__in=keys).order_by().values_list(*columns))

    base_sql, base_params = _compiled(("team_members", unit_ids is None, alone), members, low=rng.low,
                                      high=rng.high, county_low=whole.low, county_high=whole.high, ids=unit_ids)

    def picked(alias: str) -> tuple[str, list]:  # the memberships of the chosen units' teams
        condition, params = f"{alias}code >= %s AND {alias}code <= %s", [rng.low, rng.high]
        if unit_ids is None:
            return condition, params
        ids_condition, ids_params = among_sql(f"{alias}unit_id", unit_ids)
        return f"{condition} AND {ids_condition}", [*params, *ids_params]

    (own, own_params), (chosen_a, chosen_a_params) = picked(""), picked("a.")
    blind = BLIND_KEY + "%"
    sql = f"""
        WITH m (id, team_id, unit_id, team_type, k, name, joined_on, left_on, code) AS ({base_sql}),
        active AS (SELECT * FROM m WHERE joined_on <= %s AND (left_on IS NULL OR left_on > %s)),
        first (k, team_id) AS (
            SELECT DISTINCT k, FIRST_VALUE(team_id) OVER (PARTITION BY k ORDER BY joined_on, team_id, id)
            FROM active WHERE k LIKE %s),
        own AS (SELECT * FROM m WHERE {own}),
        moves (unit_id, d) AS (
            SELECT unit_id, joined_on FROM own UNION ALL SELECT unit_id, left_on FROM own
            UNION ALL SELECT own.unit_id, o.joined_on FROM own JOIN m o ON o.k = own.k AND o.team_id <> own.team_id
                WHERE own.k LIKE %s
            UNION ALL SELECT own.unit_id, o.left_on FROM own JOIN m o ON o.k = own.k AND o.team_id <> own.team_id
                WHERE own.k LIKE %s)
        SELECT a.unit_id, a.team_id, a.team_type,
            COUNT(DISTINCT CASE WHEN a.k <> '' THEN a.k ELSE 'name:' || a.name END), NULL
        FROM active a LEFT JOIN first f ON f.k = a.k WHERE {chosen_a} AND (f.team_id IS NULL OR f.team_id = a.team_id)
        GROUP BY a.unit_id, a.team_id, a.team_type
        UNION ALL
        SELECT unit_id, NULL, NULL, 0, MIN(d) FROM moves WHERE d > %s GROUP BY unit_id"""  # noqa: S608
    params = [*base_params, as_of, as_of, blind, *own_params, blind, blind, *chosen_a_params, as_of]
    with connection.cursor() as cursor:
        # Not prepared (core.prepared): its good plan depends on the values; a generic plan read
        # every membership of the county instead of the identity-key index.
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if connection.vendor != "postgresql":  # SQLite returns the date as text
        rows = [(*row[:4], date.fromisoformat(row[4]) if row[4] else None) for row in rows]
    return rows


def _local_date(moment) -> date | None:
    return timezone.localtime(moment).date() if moment else None


# ---------------------------------------------------------------------------
# Freshness of stored evaluations (docs/performance.md, "Freshness")
# ---------------------------------------------------------------------------
def catalog_key() -> str:
    """Everything an evaluation reads besides the units and their evidence, as a short hash: every
    requirement version (id, creation, effective date, wording and its requirement's topic: the
    title and topic are stored in overdue rows and summaries, and ``load_policies`` corrects
    wording in place), every citation (its quote, clause number and document name: the sources
    printed with each task) and the settings the rules read (rules.Settings: due-soon horizon,
    grade cut-offs). Two queries over the catalog (tens of rows), whatever the size of the
    hierarchy; the one place that decides what "the catalog changed" means."""
    digest = hashlib.sha256()
    versions = RequirementVersion.objects.order_by("id").values_list(
        "id", "created_at", "effective_from", "title", "description", "requirement__topic")
    citations = Citation.objects.order_by("id").values_list(
        "id", "version_id", "quote", "clause__number", "clause__document__short_name",
        "clause__document__scope_province_code")
    for row in (*versions, "|", *citations, "|", astuple(rule_settings())):
        digest.update(repr(row).encode())
    return digest.hexdigest()[:16]


def stamp(catalog: str, data_version: int) -> str:
    """What a stored evaluation was computed from: ``<catalog_key>:<Unit.data_version>`` (a
    snapshot: its unit's version; a county report: the county's, which every write in the
    subtree moves). Equal to the current stamp means nothing it read has changed since."""
    return f"{catalog}:{data_version}"


def unit_stamps(units: list[Unit], catalog: str) -> dict[int, str]:
    """Each unit's current stamp (``stamp``) by unit id, from the ``data_version`` read with
    ``units``: what a snapshot computed now is stored with, and what a stored one must equal to
    be carried over (services.county_report_build)."""
    return {u.pk: stamp(catalog, u.data_version) for u in units}


# ---------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------
def compute(units: list[Unit], rng: CodeRange, as_of: date) -> dict[str, UnitEvaluation]:
    """Evaluate the given units (all inside ``rng``) without reading or writing snapshots."""
    specs = rules.SpecIndex(specs_in_force(as_of), as_of)
    evidence = load_facts(rng, as_of)
    cfg = rule_settings()
    empty = rules.Evidence()
    return {
        u.code: rules.evaluate_unit(unit_facts(u), specs, evidence.get(u.pk, empty), as_of, cfg) for u in units
    }


def catalog_dates(as_of: date) -> list[date]:
    """The effective dates after ``as_of`` of the catalog's versions: a version taking effect (or
    retiring a requirement) on one of them changes evaluations without new evidence."""
    return list(RequirementVersion.objects.filter(effective_from__gt=as_of).order_by()
                .values_list("effective_from", flat=True).distinct())


# Above this many units the night loads the whole county range rather than a list of unit ids.
FEW_UNITS = 500


def compute_night(units: list[Unit], rng: CodeRange, as_of: date, *, subset: bool = False,
                  specs: list[rules.Spec] | None = None, later: list[date] | None = None
                  ) -> tuple[dict[str, UnitEvaluation], dict[str, date | None]]:
    """``compute`` for the nightly county task: the evaluations of ``units`` and each one's
    ``rules.valid_until``. ``subset``: the units are some of the range's (the others carried
    over), so the facts are loaded for their ids only when they are few."""
    specs = specs_in_force(as_of) if specs is None else specs
    ids = [u.pk for u in units] if subset and len(units) <= FEW_UNITS else None
    evidence = load_facts(rng, as_of, unit_ids=ids)
    cfg = rule_settings()
    later = catalog_dates(as_of) if later is None else later
    index = rules.SpecIndex(specs, as_of)
    empty = rules.Evidence()
    evaluations, validity = {}, {}
    for u in units:
        facts, found = unit_facts(u), evidence.get(u.pk, empty)
        evaluation = rules.evaluate_unit(facts, index, found, as_of, cfg)
        evaluations[u.code] = evaluation
        validity[u.code] = rules.valid_until(facts, specs, found, evaluation, cfg, later)
    return evaluations, validity


def subtree_units(root: Unit) -> list[Unit]:
    return list(Unit.objects.subtree(root).order_by("code"))


class NightUnit(NamedTuple):
    """A unit as the nightly county task reads it (night_units): the columns it uses, by the
    model's attribute names, without a model instance."""

    pk: int
    code: str
    name: str
    level: str
    province_code: str
    flags: str
    tracking_start: date | None
    data_version: int
    parent_id: int | None

    flag_list = property(Unit.flag_list.fget)
    code_prefix = property(Unit.code_prefix.fget)


def night_units(root: Unit) -> list[NightUnit]:
    """subtree_units for the nightly county task, as NightUnit rows (one compiled query: building
    a county's ≈ 420 model instances was ≈ 15 % of a warm night's county task)."""
    rng = subtree_range(root.code, root.level)
    rows = night_rows(("night_units",), lambda low, high: Unit.objects.filter(**_in_range(CodeRange(low, high), ""))
                       .order_by("code").values_list("pk", *NightUnit._fields[1:]), low=rng.low, high=rng.high)
    return [NightUnit(*row) for row in rows]


def evaluate_subtree(root: Unit, as_of: date) -> dict[str, UnitEvaluation]:
    """The root and every unit below it, keyed by code, with every task's detail: computed
    set-based on demand (stored snapshots are compact and hold no tasks, see models.Snapshot);
    reads never write. Query count independent of subtree size."""
    rng = subtree_range(root.code, root.level)
    units = subtree_units(root)
    return compute(units, rng, as_of) if units else {}


def evaluate_unit(unit: Unit, as_of: date) -> UnitEvaluation:
    """One unit with every task's detail (its page, the API, the ``evaluate`` command, a PDF)."""
    return compute([unit], CodeRange(unit.code, unit.code), as_of)[unit.code]


# ---------------------------------------------------------------------------
# Roll-ups
# ---------------------------------------------------------------------------
@dataclass
class RollUp:
    unit: Unit
    own_score: float | None
    subtree_score: float | None
    grade: str
    counts: dict[str, int] = field(default_factory=dict)

    def to_summary(self) -> dict:
        """As stored in a county summary's ``rollups`` (county_summary)."""
        return {"own": self.own_score, "subtree": self.subtree_score, "grade": self.grade, "counts": self.counts}

    @classmethod
    def from_summary(cls, unit: Unit | None, stored: dict) -> RollUp:
        return cls(unit, stored["own"], stored["subtree"], stored["grade"], stored["counts"])


def rollup(evaluations: dict[str, UnitEvaluation], units, known: dict[str, RollUp] | None = None
           ) -> dict[str, RollUp]:
    """Own score and subtree score per unit. A subtree score is the mean of the unit's own score
    and its children's subtree scores (a township weighs its villages equally, a county its
    townships equally, whatever their size); units with nothing scored are left out. ``known``:
    roll-ups already computed (by code), taken as they are (their units' subtrees need not be
    among ``units``)."""
    units = list(units)
    known = known or {}
    by_pk = {u.pk: u for u in units}
    children: dict[int, list[Unit]] = defaultdict(list)
    for u in units:
        if u.parent_id in by_pk:
            children[u.parent_id].append(u)
    cfg = rule_settings()
    result: dict[str, RollUp] = {}

    # Deepest first, so children are done before their parents (codes sort parents first).
    for u in sorted(units, key=lambda u: (-len(u.code_prefix), u.code)):
        if u.code in known:
            result[u.code] = known[u.code]
            continue
        own = evaluations.get(u.code)
        own_score = own.score if own else None
        scores = [own_score] if own_score is not None else []
        counts: dict[str, int] = dict(own.counts) if own else {}
        for child in children[u.pk]:
            child_roll = result[child.code]
            if child_roll.subtree_score is not None:
                scores.append(child_roll.subtree_score)
            for status, n in child_roll.counts.items():
                counts[status] = counts.get(status, 0) + n
        subtree = round(sum(scores) / len(scores), 1) if scores else None
        result[u.code] = RollUp(u, own_score, subtree, rules.grade_for(subtree, cfg), counts)
    return result


# ---------------------------------------------------------------------------
# Overdue tasks
# ---------------------------------------------------------------------------
@dataclass
class OverdueRow:
    unit: str
    unit_name: str
    requirement: str
    requirement_title: str
    due: date | None
    days_overdue: int
    status: str
    source: str
    missing: str
    subject: str = ""
    tasks: ClassVar[int] = 1  # (what county_summary counts: one task; a Tally stands for several)

    def to_dict(self) -> dict:
        return {
            "unit": self.unit, "unit_name": self.unit_name, "requirement": self.requirement,
            "requirement_title": self.requirement_title, "due": self.due.isoformat() if self.due else None,
            "days_overdue": self.days_overdue, "status": self.status, "status_label": Status.LABELS[self.status],
            "source": self.source, "missing": self.missing, "subject": self.subject,
        }


DEFAULT_OVERDUE_STATUSES = (Status.OVERDUE, Status.NON_COMPLIANT, Status.DUE_SOON)


def overdue_order(row: OverdueRow) -> tuple:
    """The report's own order of overdue rows: most overdue first, then unit, requirement, subject."""
    return -row.days_overdue, row.unit, row.requirement, row.subject


def overdue_rows(evaluations: dict[str, UnitEvaluation], as_of: date,
                 statuses=DEFAULT_OVERDUE_STATUSES) -> list[OverdueRow]:
    """One row per open task of a binding requirement (a missed period, a person behind on
    training, an unmet floor), most overdue first. Advisory requirements never appear."""
    rows = []
    for evaluation in evaluations.values():
        for result in evaluation.results:
            if result.advisory:
                continue
            source = None  # joined once a task of the result is listed (most results list none)
            for task in result.tasks:
                if not task.in_window or task.status not in statuses:
                    continue
                if source is None:
                    source = "；".join(f"{s.document}{s.clause}" for s in result.sources)
                rows.append(OverdueRow(
                    unit=evaluation.unit, unit_name=evaluation.unit_name, requirement=result.requirement,
                    requirement_title=result.title, due=task.due,
                    days_overdue=(as_of - task.due).days if task.due else 0, status=task.status,
                    source=source, missing=task.missing or result.title, subject=task.subject,
                ))
    rows.sort(key=overdue_order)
    return rows


# The overdue list's orders, each as the key of a computed list and as the ORDER BY of the stored
# rows (CountyOverdueRow): the same order. days_overdue = as_of - due (0 without a due date), so
# "most overdue first" is the earliest due date, a missing one counting as as_of. Ties keep the
# report's own order (a stable sort; in SQL the subject, then ``position``, which numbers a
# unit's rows in that order). Codes and texts compare by code point in both (byte-wise "C").
OVERDUE_SORTS = {
    "": (None, ("~days", "unit_code", "requirement")),
    "days": (lambda r: (-(r.days_overdue or 0), r.unit, r.requirement), ("~days", "unit_code", "requirement")),
    "due": (lambda r: (r.due or date.max, r.unit, r.requirement), ("~due", "unit_code", "requirement")),
    "unit": (lambda r: (r.unit, -(r.days_overdue or 0), r.requirement), ("unit_code", "~days", "requirement")),
    "requirement": (lambda r: (r.requirement, -(r.days_overdue or 0), r.unit), ("requirement", "~days", "unit_code")),
}
_OVERDUE_COLUMNS = ("unit_code", "unit_name", "requirement", "requirement_title", "due", "status", "source",
                    "missing", "subject", "as_of")


def _order_by(sort: str) -> list:
    def term(name: str):
        if name == "~days":
            return Coalesce("due", "as_of").asc()
        if name == "~due":
            return F("due").asc(nulls_last=True)
        return Collate(F(name), "C").asc() if connection.vendor == "postgresql" else F(name).asc()

    return [*(term(n) for n in (*OVERDUE_SORTS[sort][1], "subject")), "position"]


def _stored_row(values) -> OverdueRow:
    unit, unit_name, requirement, title, due, status, source, missing, subject, as_of = values
    return OverdueRow(unit=unit, unit_name=unit_name, requirement=requirement, requirement_title=title, due=due,
                      days_overdue=(as_of - due).days if due else 0, status=status, source=source, missing=missing,
                      subject=subject)


class StoredOverdueRows:
    """Stored overdue rows as a sequence Django's Paginator can slice: COUNT and LIMIT/OFFSET run
    in SQL, and only the rows of the page become OverdueRow objects."""

    def __init__(self, queryset):
        self.queryset = queryset.values_list(*_OVERDUE_COLUMNS)

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [_stored_row(v) for v in self.queryset[index]]
        return _stored_row(self.queryset[index])

    def __iter__(self):
        return (_stored_row(v) for v in self.queryset.iterator(chunk_size=2000))


class OverdueListing:
    """The open tasks of ``root``'s subtree with these statuses, to filter, order and page.

    A county whose stored report is current (stored_county_report): its CountyOverdueRow rows,
    filtered, ordered and paged in SQL (no snapshot decoded, nothing evaluated, the same queries
    for any county size). Any other subtree, a date without a stored run, or a county changed
    since: evaluated once, then filtered and sorted in Python in the same orders."""

    def __init__(self, root: Unit, as_of: date, statuses=DEFAULT_OVERDUE_STATUSES):
        statuses = tuple(statuses)
        report = stored_county_report(root, as_of) if set(statuses) <= set(DEFAULT_OVERDUE_STATUSES) else None
        self.stored = (CountyOverdueRow.objects.filter(county_id=root.pk, as_of=as_of, status__in=statuses)
                       if report is not None else None)
        self.live = overdue_rows(evaluate_subtree(root, as_of), as_of, statuses) if report is None else None

    def requirements(self) -> set[tuple[str, str]]:
        """(code, title) of every requirement with a task (before the unit/requirement filters)."""
        if self.stored is not None:
            return set(self.stored.values_list("requirement", "requirement_title").distinct())
        return {(r.requirement, r.requirement_title) for r in self.live}

    def rows(self, *, unit_prefix: str = "", requirement: str = "", sort: str = ""):
        """The tasks under ``unit_prefix`` (a code prefix) of ``requirement``, in OVERDUE_SORTS
        order ("": the report's own, most overdue first): StoredOverdueRows or a list."""
        sort = sort if sort in OVERDUE_SORTS else "days"
        if self.stored is not None:
            stored = self.stored
            if unit_prefix:
                stored = stored.filter(unit_code__startswith=unit_prefix)
            if requirement:
                stored = stored.filter(requirement=requirement)
            return StoredOverdueRows(stored.order_by(*_order_by(sort)))
        rows = [r for r in self.live if r.unit.startswith(unit_prefix) and (not requirement
                                                                            or r.requirement == requirement)]
        key = OVERDUE_SORTS[sort][0]
        return sorted(rows, key=key) if key else rows


def overdue_tasks(root: Unit, as_of: date, statuses=DEFAULT_OVERDUE_STATUSES) -> list[OverdueRow]:
    """Every open task of the subtree in the report's order (see OverdueListing)."""
    return list(OverdueListing(root, as_of, statuses).rows(sort=""))


class Tally(NamedTuple):
    """What the county summary and the report's counts read of the stored overdue rows: the rows
    of one row unit (``unit``: its code prefix), requirement and status, counted, with the most
    days overdue among them."""

    unit: str
    requirement: str
    requirement_title: str
    status: str
    days_overdue: int
    tasks: int


def stored_tallies(county_id: int, as_of: date, digits: int) -> list[Tally]:
    """The county's stored overdue rows of ``as_of`` grouped by the database per row unit (code
    prefix of ``digits`` digits), requirement and status: one query, a few rows per requirement
    instead of one per task, no text column but the title."""
    def build(county, on, digits):
        return (CountyOverdueRow.objects.filter(county_id=county, as_of=on)
                .values(prefix=Substr("unit_code", 1, digits)).annotate(tasks=Count("id"), first_due=Min("due"))
                .values_list("prefix", "requirement", "requirement_title", "status", "first_due", "tasks")
                .order_by("prefix", "requirement", "status", "requirement_title"))

    # Not prepared: a plan made without tonight's date could read every overdue row of the night.
    rows = night_rows(("tallies",), build, prepare=False, county=county_id, on=as_of, digits=digits)
    return [Tally(prefix, req, title, status, (as_of - due).days if due else 0, n)
            for prefix, req, title, status, due, n in rows]


def county_report_tasks(county: Unit, as_of: date) -> list[dict]:
    """The stored tasks of the county's report of ``as_of`` as the JSON rows of the overdue report
    (OverdueRow.to_dict), in its order: the webhook's payload (the reminders read only their
    townships' tasks: reminder_tasks)."""
    rows = CountyOverdueRow.objects.filter(county=county, as_of=as_of).order_by(*_order_by(""))
    return [_stored_row(v).to_dict() for v in rows.values_list(*_OVERDUE_COLUMNS).iterator(chunk_size=2000)]


def reminder_tasks(county: Unit, as_of: date, prefixes: list[str]) -> list[OverdueRow]:
    """The due-soon and overdue tasks with a due date of the county's stored report of ``as_of``
    under these code prefixes (the townships whose staff are reminded), in the report's order."""
    under = Q()
    for prefix in prefixes:
        under |= Q(unit_code__startswith=prefix)
    rows = CountyOverdueRow.objects.filter(under, county=county, as_of=as_of, due__isnull=False,
                                           status__in=[Status.DUE_SOON, Status.OVERDUE])
    return [_stored_row(v) for v in rows.order_by(*_order_by("")).values_list(*_OVERDUE_COLUMNS)]


def overdue_report(root: Unit, as_of: date, statuses=DEFAULT_OVERDUE_STATUSES) -> dict:
    """The report as printed by ``overdue_report --json`` and served by the API."""
    return {
        "unit": root.code,
        "unit_name": root.name,
        "as_of": as_of.isoformat(),
        "tasks": [r.to_dict() for r in overdue_tasks(root, as_of, statuses)],
    }


# ---------------------------------------------------------------------------
# History
# ---------------------------------------------------------------------------
def score_history(unit: Unit, limit: int = 12) -> list[tuple[date, float | None]]:
    rows = Snapshot.objects.filter(unit=unit).order_by("-as_of").values_list("as_of", "score")[:limit]
    return list(reversed(list(rows)))


@dataclass(frozen=True)
class _StoredScore:
    score: float | None
    counts: dict


def subtree_score_history(root: Unit, limit: int = 12, units: list[Unit] | None = None,
                          until: date | None = None) -> list[tuple[date, float | None]]:
    """The subtree score (as rollup() computes it) on each of the last ``limit`` dates up to
    ``until`` that the root has a snapshot for: what a dashboard's headline number was on those
    days. A date of a county's stored report takes the score its summary stored (rolled up that
    night from the same snapshots): one query. Other dates are rolled up from their snapshots:
    two more queries (units unless given, scores), whatever the subtree's size."""
    stored = Snapshot.objects.filter(unit=root)
    if until is not None:
        stored = stored.filter(as_of__lte=until)
    reported = CountyReport.objects.filter(county=root, as_of=OuterRef("as_of"), ok=True,
                                           summary__version=SUMMARY_VERSION)
    dates = list(stored.order_by("-as_of").annotate(
        reported=Exists(reported),
        reported_score=Subquery(reported.values(score=KT("summary__score"))[:1]),
    ).values_list("as_of", "reported", "reported_score")[:limit])
    # The stored score as JSON text (PostgreSQL) or a number (SQLite).
    scores = {day: None if score is None else float(score) for day, reported, score in dates if reported}
    missing = [day for day, reported, _ in dates if not reported]
    if missing:
        units = units if units is not None else subtree_units(root)
        code_of = {u.pk: u.code for u in units}
        by_date: dict[date, dict[str, _StoredScore]] = defaultdict(dict)
        in_subtree = _in_range(subtree_range(root.code, root.level))
        rows = Snapshot.objects.filter(as_of__in=missing, **in_subtree).values_list("unit_id", "as_of", "score")
        for unit_id, as_of, score in rows.iterator(chunk_size=5000):
            if unit_id in code_of:
                by_date[as_of][code_of[unit_id]] = _StoredScore(score, {})
        scores.update({day: rollup(by_date[day], units)[root.code].subtree_score for day in missing})
    return [(day, scores[day]) for day, _, _ in reversed(dates)]


def snapshots_for(unit: Unit, limit: int = 50):
    return Snapshot.objects.filter(unit=unit).order_by("-as_of").only(
        "as_of", "score", "grade", "counts", "computed_at"
    )[:limit]


# ---------------------------------------------------------------------------
# Nightly runs
# ---------------------------------------------------------------------------
def nightly_run_problems(unit: Unit, as_of: date) -> tuple[EvaluationRun | None, list[dict]]:
    """The closed nightly run of ``as_of`` and its errors that concern ``unit`` (its own county,
    or any county of its subtree): shown on the overdue report so a county official sees that
    the night's report is missing or failed, and which counties."""
    run = (EvaluationRun.objects.filter(as_of=as_of)
           .exclude(state__in=[EvaluationRun.State.RUNNING, EvaluationRun.State.SUCCEEDED]).first())
    if run is None:
        return None, []
    rng = subtree_range(unit.code, unit.level)
    errors = [e for e in run.errors or []
              if rng.low <= str(e.get("county", "")) <= rng.high or e.get("county") == unit.county_code]
    return (run, errors) if errors else (None, [])


# ---------------------------------------------------------------------------
# Reporting completeness and timeliness (报送率、及时率)
# ---------------------------------------------------------------------------
def completeness_report(root: Unit, period: str, as_of: date) -> dict:
    """Expected, reported and on-time periods of every unit of ``root``'s subtree and periodic
    requirement inside ``period`` (apps/core/dates.parse_period), with subtree totals. The owed
    periods and their satisfaction come from the rules (rules.reporting_facts)."""
    within = parse_period(period)
    return completeness_from(root, period, subtree_reporting_facts(root, within, as_of))


UnitReportingFacts = list[tuple[Unit, dict[str, list[rules.PeriodFact]]]]


def subtree_reporting_facts(root: Unit, within: tuple[date, date], as_of: date,
                            specs: list[rules.Spec] | None = None) -> UnitReportingFacts:
    """Every unit of ``root``'s subtree (code order) with its owed periods inside ``within`` by
    periodic requirement. Set-based: the units, the catalog and one query per evidence kind,
    however large the subtree."""
    units = subtree_units(root)
    specs = specs_in_force(as_of) if specs is None else specs
    evidence = load_evidence(subtree_range(root.code, root.level))
    cfg = rule_settings()
    empty = rules.Evidence()
    return [(u, rules.reporting_facts(unit_facts(u), specs, evidence.get(u.pk, empty), as_of, within=within,
                                      deadline_days=settings.REPORTING_DEADLINE_DAYS, cfg=cfg))
            for u in units]


def completeness_from(root: Unit, period: str, facts: UnitReportingFacts) -> dict:
    """The completeness report of ``period`` (docs/semantics.md §13's JSON) from facts covering at
    least that period (a year's facts give any of its quarters or months)."""
    within = parse_period(period)
    rows = [rules.reporting_row(unit_facts(u), requirement, [f for f in items if rules.in_period(f, within)])
            for u, by_requirement in facts for requirement, items in by_requirement.items()]
    totals = rules.Tally(sum(r.expected for r in rows), sum(r.reported for r in rows), sum(r.on_time for r in rows))
    return {
        "unit": root.code, "period": period,
        "totals": {"expected": totals.expected, "reported": totals.reported, "on_time": totals.on_time,
                   "reporting_rate": totals.reporting_rate, "timely_rate": totals.timely_rate},
        "rows": [{"unit": r.unit, "unit_name": r.unit_name, "requirement": r.requirement, "expected": r.expected,
                  "reported": r.reported, "on_time": r.on_time} for r in rows],
    }


# ---------------------------------------------------------------------------
# County summaries (what the county pages show, stored by the nightly county task)
# ---------------------------------------------------------------------------
# 2: with each row's unit count and flags and the root's subtree score (the dashboard reads no unit
# below the rows, the trend no snapshot).
SUMMARY_VERSION = 2


def _row_level(root: Unit) -> str:
    """The level of a summary's rows: the root's children's."""
    return Level.ORDER[Level.ORDER.index(root.level) + 1]


def summary_digits(root: Unit) -> int:
    """How many code digits name a row of ``root``'s summary (stored_tallies groups by them)."""
    return SIGNIFICANT_DIGITS[_row_level(root)]


def county_summary(root: Unit, units: list[Unit], evaluations: dict[str, UnitEvaluation | CompactEvaluation],
                   overdue, *, previous: dict | None = None, kept: frozenset[str] = frozenset()) -> dict:
    """The county dashboard's numbers as plain JSON: per row unit (the root's children) and topic,
    the worst binding status in the row's subtree, the row unit's own status, the titles of the
    worst results and the names of the units below that have it (the 含村 breakdown); overdue
    counts per row and per requirement (``overdue``: OverdueRow or Tally); the root's and rows'
    roll-ups. Built from evaluations computed live, or from the county's stored compact snapshots
    (compact_evaluations: the nightly task, whose carried-over units are not evaluated); the same
    output either way. ``kept``: the row prefixes whose cells, roll-up and own grade are taken
    from the ``previous`` summary as they are (every unit of the row carried over:
    summary_rows_kept); the units of those rows need no evaluation here."""
    row_level = _row_level(root)
    digits = SIGNIFICANT_DIGITS[row_level]
    row_codes = {u.code[:digits]: u.code for u in units if u.level == row_level}
    names = {u.code: u.name for u in units}
    old_cells = previous["cells"] if kept else {}
    grouped: dict[tuple[str, str], list[tuple[str, object]]] = defaultdict(list)
    for code, evaluation in evaluations.items():
        prefix = code[:digits]
        if prefix not in row_codes or prefix in kept:
            continue
        for result in evaluation.results:
            if result.advisory:
                continue
            grouped[(prefix, result.topic)].append((code, result))
    cells: dict[str, dict[str, dict]] = defaultdict(dict)
    for (prefix, topic), results in grouped.items():
        worst = Status.worst(r.status for _, r in results)
        own = [r.status for code, r in results if code == row_codes[prefix]]
        cells[prefix][topic] = {
            "worst": worst,
            "own": Status.worst(own) if own else None,
            "titles": sorted({r.title for _, r in results if r.status == worst}),
            "below": sorted({names.get(code, code) for code, r in results
                             if code != row_codes[prefix] and r.status == worst}),
        }
    for prefix in kept:
        if old_cells.get(prefix):
            cells[prefix] = old_cells[prefix]
    topics = {topic for row_cells in cells.values() for topic in row_cells}
    flags: dict[str, set[str]] = defaultdict(set)
    for u in units:
        if u.code[:digits] in row_codes:
            flags[u.code[:digits]].update(u.flag_list)
    failing = [r for r in overdue if r.status in (Status.OVERDUE, Status.NON_COMPLIANT)]
    per_row: dict[str, int] = defaultdict(int)
    per_req: dict[str, list] = {}
    for task in failing:
        per_row[task.unit[:digits]] += task.tasks
        item = per_req.setdefault(task.requirement, [task.requirement, task.requirement_title, 0, 0])
        item[2] += task.tasks
        item[3] = max(item[3], task.days_overdue or 0)
    shown = [root.code, *row_codes.values()]
    known = {row_codes[p]: RollUp.from_summary(None, previous["rollups"][row_codes[p]]) for p in kept}
    rollups = rollup(evaluations, [u for u in units if u.code[:digits] not in kept or u.code in known], known)
    return {
        "version": SUMMARY_VERSION,
        "row_level": row_level,
        "topics": sorted(topics),
        "cells": dict(cells),
        "sizes": {prefix: n for prefix, n in _row_sizes(units, digits).items() if prefix in row_codes},
        "flags": {prefix: sorted(row_flags) for prefix, row_flags in flags.items()},
        "score": rollups[root.code].subtree_score if root.code in rollups else None,
        "overdue_per_row": dict(per_row),
        "by_requirement": sorted(per_req.values(), key=lambda c: (-c[2], c[0])),
        "rollups": {code: r.to_summary() for code, r in rollups.items() if code in shown},
        "own_grade": {**{row_codes[p]: previous["own_grade"][row_codes[p]] for p in kept
                         if row_codes[p] in previous["own_grade"]},
                      **{code: evaluations[code].grade for code in shown
                         if code in evaluations and evaluations[code].score is not None}},
    }


def _row_sizes(units: list[Unit], digits: int) -> dict[str, int]:
    """How many units share each code prefix of ``digits`` digits (a summary row's units)."""
    sizes: dict[str, int] = defaultdict(int)
    for u in units:
        sizes[u.code[:digits]] += 1
    return sizes


def summary_rows_kept(previous: dict | None, units: list[Unit], fresh: list[Unit]) -> frozenset[str]:
    """The rows (by row prefix) of the county's previous summary that a night keeps as they are:
    the row unit is there with its roll-up, no unit of the row is evaluated tonight (all carried
    over, unchanged) and the row has as many units as then (none added or removed)."""
    if not previous:
        return frozenset()
    row_level = previous["row_level"]
    digits = SIGNIFICANT_DIGITS[row_level]
    touched = {u.code[:digits] for u in fresh}
    sizes = _row_sizes(units, digits)
    return frozenset(u.code[:digits] for u in units if u.level == row_level and u.code in previous["rollups"]
                     and u.code[:digits] not in touched and previous["sizes"].get(u.code[:digits]) == sizes[u.code[:digits]])


class CompactResult(NamedTuple):
    """A stored compact result row with what the county summary needs from the catalog (a tuple:
    a warm night builds some 500 per county, and a frozen dataclass's are slow to make)."""

    requirement: str
    status: str
    topic: str
    title: str
    advisory: bool


class CompactEvaluation(NamedTuple):
    """A stored snapshot as county_summary and rollup read it (score, grade, counts, results)."""

    score: float | None
    grade: str
    counts: dict
    results: list[CompactResult]


def compact_evaluations(stored: dict[str, tuple], specs: list[rules.Spec]) -> dict[str, CompactEvaluation]:
    """``stored``: unit code → (score, grade, counts, compact results rows) of a snapshot; titles,
    topics and binding from the catalog versions in force (the rows were evaluated with them)."""
    by_code = {s.requirement: s for s in specs}
    evaluations = {}
    for code, (score, grade, counts, rows) in stored.items():
        results = []
        for row in rows:
            spec = by_code.get(row[0])
            results.append(CompactResult(row[0], row[2], spec.topic if spec else "", spec.title if spec else row[0],
                                         not spec.binding if spec else False))
        evaluations[code] = CompactEvaluation(score, grade, dict(counts or {}), results)
    return evaluations


def snapshot_probes(select: str, *, alias: str = "p", arrays: str = "%s::bigint[]", names: str = "id") -> str:
    """PostgreSQL: a FROM item giving, for each unit id of the array parameter(s) (unnested to the
    columns ``names`` of ``c``, ``id`` first), its snapshot of one date (the parameter after the
    arrays) as ``alias``: one probe of the unique (unit, as_of) index per unit, a LATERAL subquery
    with LIMIT 1 that the planner cannot flatten. So the plan holds whatever the statistics say of
    the date (none while a night writes it) and without the values (core.prepared)."""
    table = connection.ops.quote_name(Snapshot._meta.db_table)
    return (f"unnest({arrays}) AS c({names}) CROSS JOIN LATERAL "  # noqa: S608
            f"(SELECT {select} FROM {table} WHERE unit_id = c.id AND as_of = %s LIMIT 1) {alias}")


def stored_compact(units: list[Unit], as_of: date, specs: list[rules.Spec]) -> dict[str, CompactEvaluation]:
    """The units' stored snapshots of ``as_of`` as compact_evaluations (one query; PostgreSQL:
    snapshot_probes, prepared, as the carry-over reads them)."""
    codes = {u.pk: u.code for u in units}
    if not codes:
        return {}
    columns = ("unit_id", "score", "grade", "counts", "results")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            prepared.execute(cursor, f"SELECT {', '.join('p.' + c for c in columns)} "  # noqa: S608
                             f"FROM {snapshot_probes(', '.join(columns))}", [list(codes), as_of])
            rows = cursor.fetchall()
    else:
        rows = Snapshot.objects.filter(as_of=as_of, unit_id__in=list(codes)).values_list(*columns)
    return compact_evaluations({codes[pk]: (score, grade, json_value(counts), json_value(results))
                                for pk, score, grade, counts, results in rows}, specs)


def outside_rows(units: list[Unit], kept: frozenset[str]) -> list[Unit]:
    """The units that are not in one of the ``kept`` rows (by row prefix)."""
    digits = {len(prefix) for prefix in kept}
    if len(digits) == 1:  # (a summary's rows are of one level)
        n, = digits
        return [u for u in units if u.code[:n] not in kept]
    return [u for u in units if not any(u.code[:n] in kept for n in digits)]


class _ReportStamp(NamedTuple):
    """What county_report_to_carry reads of a stamped report of the date (as _is_current reads it)."""

    fingerprint: str
    units_evaluated: int
    current_version: int
    summary_version: object
    snapshots: int


def county_report_to_carry(county: Unit, as_of: date, catalog: str) -> tuple[_ReportStamp | None, int]:
    """For the nightly county task, in one query: the county's report of ``as_of`` if a re-run can
    carry it over as it is (current as stored_county_report decides, and a snapshot of the date
    stored for as many units as it evaluated), and the county row's current ``data_version``.
    Plain SQL, the same for every county (no query to build per county task). Reads only."""
    rng = subtree_range(county.code, county.level)
    q = connection.ops.quote_name
    unit, report, snapshot = (q(m._meta.db_table) for m in (Unit, CountyReport, Snapshot))
    # The snapshots are counted unit by unit (one probe of the unique (unit, as_of) each): the
    # date's statistics may not exist yet while the night runs (a watchdog's re-queued county);
    # and only when the report exists.
    sql = (f"SELECT u.data_version, r.id, r.fingerprint, r.units_evaluated, r.summary ->> 'version', "  # noqa: S608
           f"CASE WHEN r.id IS NULL THEN NULL ELSE (SELECT COUNT(*) FROM {unit} v WHERE v.code >= %s "
           f"AND v.code <= %s AND (SELECT s.id FROM {snapshot} s WHERE s.unit_id = v.id AND s.as_of = %s "
           f"LIMIT 1) IS NOT NULL) END FROM {unit} u LEFT JOIN {report} r ON r.county_id = u.id "
           f"AND r.as_of = %s AND r.ok = %s AND r.fingerprint <> '' WHERE u.id = %s")
    with connection.cursor() as cursor:
        prepared.execute(cursor, sql, [rng.low, rng.high, as_of, as_of, True, county.pk])
        version, report_id, fingerprint, units_evaluated, summary_version, snapshots = cursor.fetchone()
    if report_id is None:
        return None, version
    found = _ReportStamp(fingerprint, units_evaluated, version, summary_version, snapshots)
    current = _is_current(found, catalog) and found.snapshots == found.units_evaluated
    return (found if current else None), version


def _stamped_report(county: Unit, as_of: date):
    """The county's successful, stamped report of ``as_of`` (at most one), with the county row's
    current ``data_version`` and its summary's version."""
    return (CountyReport.objects.filter(county=county, as_of=as_of, ok=True).exclude(fingerprint="")
            .annotate(current_version=F("county__data_version"), summary_version=KT("summary__version")))


def _is_current(report: CountyReport | _ReportStamp, catalog: str) -> bool:
    """A _stamped_report is current: its summary has this code's shape and its stamp is the
    county's current one (nothing it read has changed since)."""
    return (str(report.summary_version) == str(SUMMARY_VERSION)
            and report.fingerprint == stamp(catalog, report.current_version))


def stored_county_report(county: Unit, as_of: date, catalog: str | None = None):
    """The county's stored report of ``as_of`` if the nightly run wrote one (with its summary) and
    nothing it read has changed since: its stamp equals the county's current one (``catalog``:
    catalog_key(), when the caller has it). One query for the report with the county row's
    current ``data_version``, plus the catalog key: no aggregate over evidence. Reads only."""
    if county.level != Level.COUNTY:
        return None
    report = _stamped_report(county, as_of).only("id", "county", "summary", "fingerprint", "units_evaluated").first()
    if report is None or not _is_current(report, catalog if catalog is not None else catalog_key()):
        return None
    return report
