"""Writes: snapshots, nightly runs, county reports, reminders and webhooks.

Every function is safe to run twice for the same date: one run per date, reports and snapshots
are replaced in place (unique per county/unit and date), reminders go through an outbox and
report emails are claimed before they are sent, so a re-run or a retried task never sends them
again, and a failed send is retried later.
"""

from __future__ import annotations

import io
import json
import logging
import re
import urllib.request
import uuid
from collections import defaultdict
from datetime import date, timedelta
from typing import NamedTuple
from urllib.error import URLError

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from apps.accounts.access import Action, CountyRecipients, can, county_recipients
from apps.compliance import exports, reporting_selectors, selectors
from apps.compliance.models import (
    CountyOverdueRow,
    CountyReport,
    CountySettings,
    EvaluationRun,
    Reminder,
    Snapshot,
)
from apps.compliance.results import Status, UnitEvaluation, compact_results
from apps.core import prepared
from apps.core.audit import record_event
from apps.jurisdictions.codes import Level, ancestor_code, subtree_range
from apps.jurisdictions.codes import prefix as code_prefix
from apps.jurisdictions.models import Unit

logger = logging.getLogger(__name__)
WEBHOOK_TIMEOUT_SECONDS = 5


# ---------------------------------------------------------------------------
# Snapshots
# ---------------------------------------------------------------------------
SNAPSHOT_COLUMNS = ("unit_id", "as_of", "score", "grade", "counts", "results", "fingerprint", "valid_until",
                    "computed_at")
# Two int4 keys of pg_advisory_xact_lock: this namespace and the subtree root's id.
_SNAPSHOT_LOCK = 16_001


def snapshots_store(*, units: list[Unit], evaluations: dict[str, UnitEvaluation], fingerprints: dict[int, str],
                    valid_until: dict[str, date | None] | None = None, as_of: date | None = None) -> int:
    """Replace the compact snapshots (results.compact_results) of ``units`` for their date: each
    unit in ``evaluations`` is written with its ``valid_until`` (by unit code; rules.valid_until,
    null: never changes). The units' rows are deleted (snapshots_clear), then the evaluations
    written (snapshots_write), in one transaction: readers see the old rows or the new ones."""
    if not units:
        return 0
    as_of = as_of or evaluations[units[0].code].as_of
    with transaction.atomic(savepoint=False):  # no savepoint in the caller's transaction
        snapshots_clear(root=units[0], units=units, as_of=as_of)
        return snapshots_write(units=units, evaluations=evaluations, fingerprints=fingerprints,
                               valid_until=valid_until, as_of=as_of)


def snapshots_clear(*, root: Unit, units: list[Unit], as_of: date) -> None:
    """Delete the units' snapshots of ``as_of`` (PostgreSQL: under a per-root advisory lock, held
    to the end of the caller's transaction, so two runs of one county never interleave), found by
    selectors.snapshot_probes: a plain ``as_of = … AND unit_id IN …`` read every row of the night
    written so far, county after county, while the date had no statistics."""
    table = connection.ops.quote_name(Snapshot._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_SNAPSHOT_LOCK, root.pk])
            prepared.execute(cursor, f"DELETE FROM {table} s USING {selectors.snapshot_probes('id', alias='x')} "  # noqa: S608
                             f"WHERE s.id = x.id", [[u.pk for u in units], as_of])
            return
        among, ids_param = selectors.among_sql("unit_id", [u.pk for u in units])
        cursor.execute(f"DELETE FROM {table} WHERE as_of = %s AND {among}", [as_of.isoformat(), *ids_param])  # noqa: S608


def snapshots_carry(*, stamps: dict[int, str], since: date, as_of: date) -> set[int]:
    """Copy to ``as_of`` the snapshots of ``since`` that are still current: stored with the unit's
    stamp in ``stamps`` (unit id → its current stamp, selectors.unit_stamps: nothing the
    evaluation read has changed since) and valid after ``as_of`` (null: for ever). One
    ``INSERT … SELECT … RETURNING``: the comparison is made by the database, which sends back
    only the carried units' ids (computed_at kept: when the evaluation was computed). PostgreSQL
    reads the rows of ``since`` by selectors.snapshot_probes. Returns the
    carried unit ids; the caller has cleared ``as_of`` (snapshots_clear)."""
    if not stamps:
        return set()
    table = connection.ops.quote_name(Snapshot._meta.db_table)
    kept = [c for c in SNAPSHOT_COLUMNS if c not in ("unit_id", "as_of")]
    columns = f"unit_id, as_of, {', '.join(kept)}"
    values = f"p.unit_id, %s, {', '.join('p.' + c for c in kept)}"
    current = "(p.valid_until IS NULL OR p.valid_until > %s)"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            prepared.execute(
                cursor, f"INSERT INTO {table} ({columns}) SELECT {values} "  # noqa: S608
                f"FROM {selectors.snapshot_probes('*', arrays='%s::bigint[], %s::text[]', names='id, stamp')} "
                f"WHERE p.fingerprint = c.stamp AND {current} RETURNING unit_id",
                [as_of, list(stamps), list(stamps.values()), since, as_of])
        else:
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {values} FROM {table} p "  # noqa: S608
                f"JOIN json_each(%s) c ON p.unit_id = json_extract(c.value, '$[0]') "
                f"WHERE p.as_of = %s AND p.fingerprint = json_extract(c.value, '$[1]') AND {current} "
                f"RETURNING unit_id",
                [as_of.isoformat(), json.dumps(list(stamps.items())), since.isoformat(), as_of.isoformat()])
        return {row[0] for row in cursor.fetchall()}


def snapshots_write(*, units: list[Unit], evaluations: dict[str, UnitEvaluation], fingerprints: dict[int, str],
                    valid_until: dict[str, date | None] | None, as_of: date) -> int:
    """Write the snapshots of the ``units`` in ``evaluations`` (one COPY on PostgreSQL, in text
    format built in one pass: no JSON document of the whole county is serialised and parsed
    again; one INSERT from a JSON parameter on SQLite). Their rows of ``as_of`` must be cleared."""
    written = [u for u in units if u.code in evaluations]
    if written:
        stamp = timezone.now().isoformat()
        with connection.cursor() as cursor:
            rows_write(cursor, connection.ops.quote_name(Snapshot._meta.db_table), SNAPSHOT_COLUMNS, [
                [u.pk, as_of.isoformat(), None if e.score is None else float(e.score), e.grade, e.counts,
                 compact_results(e), fingerprints.get(u.pk, ""), _iso((valid_until or {}).get(u.code)), stamp]
                for u in written for e in (evaluations[u.code],)], json_columns=("counts", "results"))
    return len(written)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def rows_write(cursor, table: str, columns: tuple[str, ...], rows: list[list], json_columns=()) -> None:
    """Insert ``rows`` (values in ``columns`` order; ``json_columns`` hold Python objects) in one
    statement, whatever their number. PostgreSQL: one COPY in text format, built in one pass (no
    JSON document of all the rows is serialised and parsed again). SQLite (development, tests):
    one INSERT … SELECT FROM json_each (bulk_create would split the rows into batches of 999
    variables, and the statement count would grow with the county), run even without rows so
    that a caller's statements never depend on its data."""
    if connection.vendor == "postgresql":
        if rows:
            copy_rows(cursor, f"COPY {table} ({', '.join(columns)}) FROM STDIN", _copy_data(columns, rows, json_columns))
        return
    picks = ", ".join(f"json(json_extract(value, '$[{i}]'))" if c in json_columns
                      else f"json_extract(value, '$[{i}]')" for i, c in enumerate(columns))
    cursor.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {picks} FROM json_each(%s)",  # noqa: S608
                   [json.dumps(rows, ensure_ascii=False)])


_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")


def _copy_text(value: str) -> str:
    """A value in COPY's text format (backslash, tab and line breaks escaped)."""
    if _COPY_SPECIAL.search(value) is None:  # nearly always: one scan instead of four replacements
        return value
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _copy_data(columns: tuple[str, ...], rows: list[list], json_columns=()) -> str:
    """``rows`` in COPY's text format: null as ``\\N``, numbers as they print, JSON values encoded
    (the encoder already escapes tabs and line breaks inside strings, as backslash sequences, so
    only the backslashes are doubled), texts escaped. Whether a row's texts need escaping at all
    is one scan of them together, not one per value (a county's night writes ≈ 15,000 values)."""
    as_json = [c in json_columns for c in columns]
    lines = []
    for row in rows:
        plain = _COPY_SPECIAL.search("".join([v for v, j in zip(row, as_json, strict=True)
                                              if not j and type(v) is str])) is None
        lines.append("\t".join(["\\N" if v is None else _JSON(v).replace("\\", "\\\\") if j
                                else (v if plain else _copy_text(v)) if type(v) is str else str(v)
                                for v, j in zip(row, as_json, strict=True)]))
    lines.append("")
    return "\n".join(lines)


def copy_rows(cursor, sql: str, data: str) -> None:
    """COPY ``data`` (text format) through the connection's psycopg2 cursor (a seam for tests:
    COPY bypasses Django's query log), handed over in one read: psycopg2 reads the file in
    chunks holding the interpreter lock for each, and with the nightly run's lanes every chunk
    would wait for the other lane's computing to yield the lock."""
    cursor.cursor.copy_expert(sql, io.StringIO(data), size=max(8192, len(data)))


def snapshots_refresh(*, root: Unit, as_of: date) -> dict[str, UnitEvaluation]:
    """Evaluate ``root``'s subtree and store its compact snapshots; returns the evaluations."""
    units = selectors.subtree_units(root)
    return _refresh(units, subtree_range(root.code, root.level), selectors.catalog_key(), as_of)


def _refresh(units: list[Unit], rng, catalog: str, as_of: date) -> dict[str, UnitEvaluation]:
    """Each snapshot is stored with its unit's stamp (selectors.stamp) as read with ``units``,
    BEFORE computing: evidence written meanwhile leaves the snapshot stale (recomputed next
    time), never wrongly current; and with its valid_until (rules.valid_until)."""
    evaluations, validity = selectors.compute_night(units, rng, as_of)
    snapshots_store(units=units, evaluations=evaluations, fingerprints=selectors.unit_stamps(units, catalog),
                    valid_until=validity)
    return evaluations


# ---------------------------------------------------------------------------
# Nightly run
# ---------------------------------------------------------------------------
def evaluation_run_open(*, as_of: date, trigger: str = "beat") -> tuple[EvaluationRun, bool]:
    """The run of ``as_of`` and whether the caller must fan out the counties.

    The database keeps one run per date (unique as_of): a second trigger while the run is
    running joins it (False); a trigger after it finished re-opens the same row (True) — the
    claim ``filter(state != running).update(...)`` lets exactly one of two racing triggers win."""
    counties = Unit.objects.filter(level="county").count()
    try:
        with transaction.atomic():
            return EvaluationRun.objects.create(as_of=as_of, trigger=trigger, counties=counties), True
    except IntegrityError:
        pass
    run = EvaluationRun.objects.get(as_of=as_of)
    reopened = EvaluationRun.objects.filter(pk=run.pk).exclude(state=EvaluationRun.State.RUNNING).update(
        state=EvaluationRun.State.RUNNING, trigger=trigger, started_at=timezone.now(), finished_at=None,
        requeued_at=None, counties=counties, attempts=F("attempts") + 1, errors=[],
    )
    run.refresh_from_db()
    return run, bool(reopened)


def evaluation_run_start(*, as_of: date, trigger: str = "beat") -> EvaluationRun:
    return evaluation_run_open(as_of=as_of, trigger=trigger)[0]


def _reports_of(run: EvaluationRun):
    """The county reports written by the run's current attempt."""
    return CountyReport.objects.filter(run=run, as_of=run.as_of, updated_at__gte=run.started_at)


def run_missing_counties(run: EvaluationRun) -> list[Unit]:
    """Counties that have not reported (successfully or not) in the run's current attempt."""
    return list(
        Unit.objects.filter(level="county").exclude(pk__in=_reports_of(run).values("county_id")).order_by("code")
    )


@transaction.atomic
def county_report_build(*, county: Unit, as_of: date, run: EvaluationRun | None = None,
                        catalog: str | None = None) -> CountyReport:
    """Store the county's snapshots of ``as_of`` and replace its overdue report and summary.

    Incremental: a unit whose snapshot of the county's previous night has the unit's current
    stamp (selectors.unit_stamps: nothing it reads has changed) and a ``valid_until`` after
    ``as_of`` is carried over (its row and its overdue rows copied to the new date, never
    evaluated); only the others are evaluated. The stamps (the county's, the units') are read
    BEFORE computing: a write meanwhile leaves the results stale, never wrongly current. A
    same-night re-run whose county stamp is unchanged, with every snapshot stored, carries the
    report over: nothing is loaded, decoded or evaluated again. ``catalog``: selectors.catalog_key()
    when the caller has read it (the nightly task, once per night)."""
    catalog = catalog or selectors.catalog_key()
    stored, version = selectors.county_report_to_carry(county, as_of, catalog)
    if stored is not None:
        return _county_report_carry_over(county=county, as_of=as_of, run=run)
    fingerprint = selectors.stamp(catalog, version)
    rng = subtree_range(county.code, county.level)
    units = selectors.night_units(county)
    stamps = selectors.unit_stamps(units, catalog)
    previous = _previous_report(county, as_of)
    snapshots_clear(root=county, units=units, as_of=as_of)
    keep = snapshots_carry(stamps=stamps, since=previous.as_of, as_of=as_of) if previous else set()
    fresh = [u for u in units if u.pk not in keep]
    specs, later = selectors.night_catalog(catalog, as_of)
    evaluations, validity = (selectors.compute_night(fresh, rng, as_of, subset=bool(keep), specs=specs, later=later)
                             if fresh else ({}, {}))
    snapshots_write(units=fresh, evaluations=evaluations, fingerprints=stamps, valid_until=validity, as_of=as_of)
    overdue_rows_store(county=county, as_of=as_of, rows=selectors.overdue_rows(evaluations, as_of),
                       carry=(previous.as_of, sorted(u.code for u in units if u.pk in keep)) if keep else None)
    tallies = selectors.stored_tallies(county.pk, as_of, selectors.summary_digits(county))
    counts = {s: sum(r.tasks for r in tallies if r.status == s) for s in selectors.DEFAULT_OVERDUE_STATUSES}
    kept = selectors.summary_rows_kept(previous.summary if previous else None, units, fresh)
    # The summary reads the units of the rows it recomputes: tonight's evaluations, and the carried
    # units' rows of the previous night (the same rows; never tonight's, just written).
    read = [u for u in selectors.outside_rows(units, kept) if u.code not in evaluations]
    stored = {**(selectors.stored_compact(read, previous.as_of, specs) if previous else {}), **evaluations}
    report = county_report_put(
        county=county, as_of=as_of, run=run, ok=True, error="", units_evaluated=len(units),
        overdue=counts[Status.OVERDUE], non_compliant=counts[Status.NON_COMPLIANT], due_soon=counts[Status.DUE_SOON],
        summary=selectors.county_summary(county, units, stored, tallies, kept=kept,
                                         previous=previous.summary if previous else None),
        fingerprint=fingerprint,
    )
    record_event(actor=None, action="compliance.county_report", unit_code=county.code, as_of=as_of.isoformat(),
                 overdue=counts[Status.OVERDUE], units=len(units), evaluated=len(fresh), carried=len(keep))
    return report


class _PreviousNight(NamedTuple):
    as_of: date
    summary: dict


def _previous_report(county: Unit, as_of: date) -> _PreviousNight | None:
    """The date and summary of the county's report of its previous night, if its snapshots and
    overdue rows can be carried to ``as_of``: stamped (retention clears the stamp of a report
    whose overdue rows it deleted) and with a summary of this code's shape (one compiled query)."""
    found = selectors.night_rows(("previous_report",), lambda county_id, on: (
        CountyReport.objects.filter(county_id=county_id, as_of__lt=on, ok=True).exclude(fingerprint="")
        .order_by("-as_of").values_list("as_of", "summary")[:1]), county_id=county.pk, on=as_of)
    previous = next((_PreviousNight(day, selectors.json_value(summary) or {}) for day, summary in found), None)
    if previous is None or previous.summary.get("version") != selectors.SUMMARY_VERSION:
        return None
    return previous


def _county_report_carry_over(*, county: Unit, as_of: date, run) -> CountyReport:
    # Only the run and updated_at change (the run counts this county as reported by updated_at).
    report = county_report_put(county=county, as_of=as_of, run=run)
    report.carried_over = True  # (not a field: what the county task reports to the run's close)
    record_event(actor=None, action="compliance.county_report", unit_code=county.code, as_of=as_of.isoformat(),
                 overdue=report.overdue, units=report.units_evaluated, carried_over=True)
    return report


OVERDUE_ROW_COLUMNS = ("county_id", "as_of", "position", "unit_code", "unit_name", "requirement", "requirement_title",
                       "due", "status", "source", "missing", "subject")


def overdue_rows_store(*, county: Unit, as_of: date, rows: list[selectors.OverdueRow],
                       carry: tuple[date, list[str]] | None = None) -> int:
    """Replace the county's CountyOverdueRow rows of ``as_of``: ``rows`` (in the report's order,
    numbered per unit) and, ``carry`` = (an earlier date, unit codes), those units' rows of that
    date copied unchanged (one INSERT … SELECT: their ``days_overdue`` follows from the new date).
    One DELETE, the copy, and one COPY (PostgreSQL; none without rows) or one INSERT … SELECT FROM
    json_each (SQLite; also without rows, so a county's statements never depend on its data), in
    the caller's transaction (the county task's). Returns the rows written from ``rows``."""
    table = connection.ops.quote_name(CountyOverdueRow._meta.db_table)
    numbered: dict[str, int] = defaultdict(int)
    values = []
    for r in rows:
        values.append([county.pk, as_of.isoformat(), numbered[r.unit], r.unit, r.unit_name, r.requirement,
                       r.requirement_title, r.due.isoformat() if r.due else None, r.status, r.source, r.missing,
                       r.subject])
        numbered[r.unit] += 1
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:  # no savepoint in the caller's transaction
        # Not prepared (core.prepared): a generic plan of these two, made without tonight's date,
        # could scan every overdue row rather than the county's of the date.
        cursor.execute(f"DELETE FROM {table} WHERE county_id = %s AND as_of = %s", [county.pk, as_of])  # noqa: S608
        if carry and carry[1]:
            since, codes = carry
            among, codes_param = selectors.among_sql("unit_code", codes)
            kept = ", ".join(c for c in OVERDUE_ROW_COLUMNS if c != "as_of")
            cursor.execute(f"INSERT INTO {table} (as_of, {kept}) SELECT %s, {kept} FROM {table} "  # noqa: S608
                           f"WHERE county_id = %s AND as_of = %s AND {among}",
                           [as_of.isoformat(), county.pk, since.isoformat(), *codes_param])
        rows_write(cursor, table, OVERDUE_ROW_COLUMNS, values)
    return len(values)


OVERDUE_ROWS_KEPT_DAYS = 62


def overdue_rows_prune(*, today: date) -> int:
    """Retention: the overdue rows of reports older than OVERDUE_ROWS_KEPT_DAYS are deleted, and
    those reports lose their stamp, so a page asking for such a date computes it live rather
    than show an empty list (snapshots keep the scores and statuses of those dates). Two
    statements. Returns rows deleted."""
    cutoff = date.fromordinal(today.toordinal() - OVERDUE_ROWS_KEPT_DAYS)
    CountyReport.objects.filter(as_of__lt=cutoff).exclude(fingerprint="").update(fingerprint="")
    return CountyOverdueRow.objects.filter(as_of__lt=cutoff).delete()[0]


# The columns the night's and the pages' lookups filter on: ANALYZE samples these only (the
# snapshots' JSON results, the bulk of the table, would be read and detoasted for nothing).
_NIGHT_STATISTICS = {Snapshot: ("as_of", "unit_id", "valid_until"),
                     CountyOverdueRow: ("county_id", "as_of", "unit_code", "status")}


def night_statistics_refresh() -> None:
    """Planner statistics for the night just stored (PostgreSQL ``ANALYZE`` of the snapshot and
    overdue-row tables' filter columns, sampled: well under a second even for a national table).
    Without them the next night's reads of this date's rows for a county's units (the carry-over)
    were planned as a scan of the whole date filtered by unit — 20–30 ms per county instead of
    about one — because a date newer than the last statistics looked almost empty. SQLite
    (development): nothing."""
    if connection.vendor != "postgresql":
        return
    q = connection.ops.quote_name
    tables = ", ".join(f"{q(model._meta.db_table)} ({', '.join(q(c) for c in columns)})"
                       for model, columns in _NIGHT_STATISTICS.items())
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def county_report_put(*, county: Unit, as_of: date, **values) -> CountyReport:
    """Create the county's report of ``as_of`` with ``values`` (model field names), or set those
    fields of the existing one (the others, such as the email and webhook marks, are kept): one
    ``INSERT … ON CONFLICT … DO UPDATE … RETURNING`` on the unique (county, as_of), where
    update_or_create took six statements (savepoints, a locking read, the write). Returns the
    stored row without its summary (deferred: loaded if read; the night never reads it back, and
    decoding a county's summary again cost a warm county task ≈ 2 ms)."""
    report = CountyReport(county=county, as_of=as_of, **values)
    fields = [f for f in CountyReport._meta.concrete_fields if not f.primary_key]
    params = [f.get_db_prep_save(f.pre_save(report, add=True), connection) for f in fields]  # updated_at: now
    q = connection.ops.quote_name
    columns = ", ".join(q(f.column) for f in fields)
    updated = ", ".join(f"{c} = EXCLUDED.{c}" for c in (q(f.column) for f in fields if f.name in values
                                                          or f.name == "updated_at"))
    table = q(CountyReport._meta.db_table)
    sql = (f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))}) "  # noqa: S608
           f"ON CONFLICT ({q('county_id')}, {q('as_of')}) DO UPDATE SET {updated} RETURNING {q('id')}, "
           f"{', '.join(q(f.column) for f in fields if f.name != 'summary')}")
    report = next(iter(CountyReport.objects.raw(sql, params)))
    report.county = county
    return report


def county_report_fail(*, county: Unit, as_of: date, run: EvaluationRun | None, error: str) -> CountyReport:
    return county_report_put(county=county, as_of=as_of, run=run, ok=False, error=error[:2000])


def evaluation_run_finish(*, run: EvaluationRun, missing: list[Unit] | None = None) -> bool:
    """Close a running run from its counties' reports: succeeded, partial or failed. ``missing``
    (the watchdog, past the deadline) closes it as failed naming those counties. A claim on
    ``state=running``: the chord's callback and the watchdog never both close it. Returns whether
    this call closed it."""
    # The columns counted, not the rows: a county's summary is tens of kilobytes of JSON.
    reports = list(_reports_of(run).select_related("county").only(
        "ok", "error", "units_evaluated", "overdue", "emails_sent", "county__code", "county__name"))
    errors = [{"county": r.county.code, "name": r.county.name, "error": r.error} for r in reports if not r.ok]
    errors += [{"county": c.code, "name": c.name, "missing": True, "error": "截止时间前未完成评估（任务丢失或执行者中止）"}
               for c in missing or []]
    done = sum(1 for r in reports if r.ok)
    if missing:
        state = EvaluationRun.State.FAILED
    elif not errors:
        state = EvaluationRun.State.SUCCEEDED
    else:
        state = EvaluationRun.State.PARTIAL if done else EvaluationRun.State.FAILED
    closed = EvaluationRun.objects.filter(pk=run.pk, state=EvaluationRun.State.RUNNING).update(
        state=state, finished_at=timezone.now(), errors=errors, counties_done=done,
        units_evaluated=sum(r.units_evaluated for r in reports if r.ok),
        overdue_tasks=sum(r.overdue for r in reports if r.ok), emails_sent=sum(r.emails_sent for r in reports),
    )
    if closed and missing:
        logger.error("nightly run %s closed as failed: counties %s never reported", run.as_of,
                     ", ".join(c.code for c in missing))
        record_event(actor=None, action="compliance.run_failed", as_of=run.as_of.isoformat(),
                     missing=[c.code for c in missing])
    run.refresh_from_db()
    return bool(closed)


def evaluation_runs_watch(*, now=None) -> dict[int, list[int]]:
    """The watchdog (a beat task every few minutes). For every running run:
    - all counties reported but the run still open (the chord's callback was lost): close it;
    - past COMPLIANCE_RUN_DEADLINE_MINUTES: close it as failed, naming the missing counties;
    - a county silent for COMPLIANCE_RUN_REQUEUE_MINUTES (its worker died: Redis would re-deliver
      its task only after the 2 h visibility timeout): re-queue it, at most once per that interval.
    Returns {run id: [county ids to re-queue]}; the task sends them (county tasks are idempotent)."""
    now = now or timezone.now()
    requeue_after = timedelta(minutes=settings.COMPLIANCE_RUN_REQUEUE_MINUTES)
    deadline = timedelta(minutes=settings.COMPLIANCE_RUN_DEADLINE_MINUTES)
    requeue: dict[int, list[int]] = {}
    for run in EvaluationRun.objects.filter(state=EvaluationRun.State.RUNNING).order_by("as_of"):
        missing = run_missing_counties(run)
        if not missing:
            evaluation_run_finish(run=run)
        elif now - run.started_at >= deadline:
            evaluation_run_finish(run=run, missing=missing)
        elif now - (run.requeued_at or run.started_at) >= requeue_after:
            claimed = EvaluationRun.objects.filter(
                pk=run.pk, state=EvaluationRun.State.RUNNING, requeued_at=run.requeued_at
            ).update(requeued_at=now)
            if claimed:
                requeue[run.pk] = [c.pk for c in missing]
    return requeue


def snapshots_prune(*, today: date) -> int:
    """Retention: keep every snapshot of the last COMPLIANCE_SNAPSHOT_DAILY_DAYS days and, before
    that, only the latest stored date of each month (trends and month-end audits keep working).
    Set-based: one query to list the dates, one delete per dropped date. Returns rows deleted."""
    days = settings.COMPLIANCE_SNAPSHOT_DAILY_DAYS
    if not days:
        return 0
    cutoff = date.fromordinal(today.toordinal() - days)
    dates = sorted(Snapshot.objects.filter(as_of__lt=cutoff).values_list("as_of", flat=True).distinct())
    month_last = {}
    for day in dates:
        month_last[(day.year, day.month)] = day
    kept = set(month_last.values())
    deleted = 0
    for day in dates:
        if day not in kept:
            deleted += Snapshot.objects.filter(as_of=day).delete()[0]
    if deleted:
        record_event(actor=None, action="compliance.snapshots_pruned", before=cutoff.isoformat(), rows=deleted)
    return deleted


# ---------------------------------------------------------------------------
# Notifications
# ---------------------------------------------------------------------------
def report_url(county: Unit, as_of: date) -> str:
    path = reverse("compliance:overdue", kwargs={"code": county.code})
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}{path}?as_of={as_of.isoformat()}"


def county_report_notify(*, report: CountyReport, recipients: CountyRecipients | None = None) -> int:
    """Email the county officials once per county and date (claimed first: a re-run or a retried
    task finds it claimed; a failed send releases the claim for the next run), then put the
    township staff's reminders in the outbox and deliver what is pending in the county. Who is
    notified: ``recipients`` (access.counties_recipients, read once for the nightly task's batch)
    or, if not given, read now (access.county_recipients)."""
    sent = 0
    county = report.county
    who = recipients if recipients is not None else county_recipients(county)
    claimed = report.emailed_at is None and CountyReport.objects.filter(  # (a re-run's report: emailed)
        pk=report.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
    if claimed:
        recipients = [u.email for u in who.officials if u.email]
        if recipients:
            body = (
                f"{county.name} {report.as_of.isoformat()} 逾期任务报告：已逾期 {report.overdue} 项，"
                f"未达标 {report.non_compliant} 项，即将到期 {report.due_soon} 项。\n"
                f"查看与下载：{report_url(county, report.as_of)}\n"
            )
            try:
                sent += send_mail(f"【应急合规】{county.name}逾期任务报告（{report.as_of.isoformat()}）", body,
                                  None, recipients)
            except Exception as exc:  # noqa: BLE001 - any mail backend error: retried by the next run
                CountyReport.objects.filter(pk=report.pk).update(emailed_at=None)
                logger.warning("county report email for %s failed: %s", county.code, type(exc).__name__)
    reminders_enqueue(county=county, as_of=report.as_of, recipients=who)
    sent += reminders_deliver(county=county)
    if sent:
        CountyReport.objects.filter(pk=report.pk).update(emails_sent=F("emails_sent") + sent)
    return sent


def reminders_enqueue(*, county: Unit, as_of: date, recipients: CountyRecipients) -> int:
    """Put a reminder for each due-soon or overdue task of the county's stored report of ``as_of``
    in the outbox of each township staff member with an email address.

    Driven by the task's state on the run date, not by "due == today + N": a task that is due
    soon or overdue on any night is reminded once per stage, so a missed night only delays it.
    The unique constraint (user, requirement, unit, due, stage) makes a second insert a no-op:
    two concurrent tasks for the same county add each reminder once. Who is reminded is read
    first (``recipients``: access.county_recipients), and only their townships' tasks."""
    staff = {code: with_email for code, users in recipients.staff.items()
             if (with_email := [u for u in users if u.email])}
    prefixes = [code_prefix(code, Level.TOWNSHIP) for code in sorted(staff)]
    if not prefixes:
        return 0
    outbox = []
    for r in selectors.reminder_tasks(county, as_of, prefixes):
        township = ancestor_code(r.unit, Level.TOWNSHIP)
        line = (f"- {r.unit_name} {r.requirement_title}：{Status.LABELS[r.status]}，截止 {r.due.isoformat()}"
                f"{'（' + r.missing + '）' if r.missing else ''}")
        for user in staff.get(township, ()):
            outbox.append(Reminder(user=user, township_code=township, unit_code=r.unit, requirement=r.requirement,
                                   due=r.due, stage=r.status, as_of=as_of, line=line))
    return len(Reminder.objects.bulk_create(outbox, ignore_conflicts=True))


def _claimable(stale) -> Q:
    """Reminders not sent, and not claimed or claimed before ``stale`` (the claim expired)."""
    return Q(sent_at__isnull=True) & (Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale))


def reminders_deliver(*, county: Unit | None = None, now=None) -> int:
    """Send the pending reminders (of one county, or all): one email per user and township.

    Each batch is claimed (``filter(unsent, unclaimed or claim expired).update(claim=token)``):
    a row claimed by one process is skipped by the other, so two concurrent county tasks never
    send it twice. Marked sent after the mail backend accepted it; a failing send releases the
    claim and counts the attempt, so the reminder is sent by a later run (never lost)."""
    now = now or timezone.now()
    stale = now - timedelta(minutes=settings.COMPLIANCE_REMINDER_CLAIM_MINUTES)
    claimable = _claimable(stale)

    def pending(before, low=None, high=None):
        found = Reminder.objects.filter(_claimable(before))
        if low is not None:
            found = found.filter(township_code__gte=low, township_code__lte=high)
        return found.order_by("pk").values_list("pk", "user_id", "township_code")

    rng = subtree_range(county.code, county.level) if county is not None else None
    batches: dict[tuple[int, str], list[int]] = defaultdict(list)
    # Compiled once per process (night_rows: every county task of the night asks); not prepared: a
    # read of one table is quickly planned.
    for pk, user_id, township_code in selectors.night_rows(
            ("pending_reminders", rng is None), pending, prepare=False, before=stale,
            low=rng.low if rng else None, high=rng.high if rng else None):
        batches[(user_id, township_code)].append(pk)
    if not batches:
        return 0
    names = dict(Unit.objects.filter(code__in={t for _, t in batches}).values_list("code", "name"))
    emails = dict(get_user_model().objects.filter(pk__in={u for u, _ in batches}).values_list("pk", "email"))
    sent = 0
    for (user_id, township_code), ids in batches.items():
        token = uuid.uuid4().hex
        if not Reminder.objects.filter(claimable, pk__in=ids).update(claimed_at=now, claim=token):
            continue  # another process claimed them
        mine = Reminder.objects.filter(claim=token, sent_at__isnull=True)
        lines = [r.line for r in mine.order_by("as_of", "unit_code", "requirement", "stage")]
        as_of = max(r.as_of for r in mine)
        name = names.get(township_code, township_code)
        body = f"{name}有以下任务即将到期或已逾期（{as_of.isoformat()}）：\n" + "\n".join(lines)
        try:
            delivered = send_mail(f"【应急合规】{name}任务提醒", body, None, [emails[user_id]])
        except Exception as exc:  # noqa: BLE001 - any mail backend error: released, retried later
            mine.update(claimed_at=None, claim="", attempts=F("attempts") + 1,
                        last_error=f"{type(exc).__name__}: {exc}"[:500])
            logger.warning("reminder email to user %s failed: %s", user_id, type(exc).__name__)
            continue
        mine.update(sent_at=timezone.now(), attempts=F("attempts") + 1, last_error="")
        sent += delivered
    return sent


def webhooks_enabled(county_ids: list[int]) -> dict[int, CountySettings]:
    """The counties' settings with the webhook enabled, by county id (one query for a batch)."""
    return {c.county_id: c for c in CountySettings.objects.filter(county_id__in=county_ids, webhook_enabled=True)}


def county_webhook_post(*, report: CountyReport, webhooks: dict[int, CountySettings] | None = None) -> bool:
    """POST the report as JSON to the county's webhook, once per county and date; failures are
    recorded on the report (and retried by the next run), never raised. ``webhooks``: the enabled
    settings read for the nightly task's batch (webhooks_enabled); if not given, read now."""
    if webhooks is None:
        webhooks = webhooks_enabled([report.county_id])
    config = webhooks.get(report.county_id)
    if config is None or report.webhook_sent_at or not config.webhook_url.startswith(("http://", "https://")):
        return False
    payload = json.dumps({
        "county": report.county.code, "as_of": report.as_of.isoformat(), "overdue": report.overdue,
        "non_compliant": report.non_compliant, "due_soon": report.due_soon,
        "tasks": selectors.county_report_tasks(report.county, report.as_of),
        "url": report_url(report.county, report.as_of),
    }, ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 - administrators configure http(s) URLs only
        config.webhook_url, data=payload, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:  # noqa: S310
            ok = 200 <= response.status < 300
            error = "" if ok else f"HTTP {response.status}"
    except (URLError, OSError, ValueError) as exc:
        ok, error = False, str(exc)[:500]
    CountyReport.objects.filter(pk=report.pk).update(
        webhook_sent_at=timezone.now() if ok else None, webhook_error=error
    )
    if not ok:
        logger.warning("webhook for county %s failed: %s", report.county.code, error)
    return ok


# ---------------------------------------------------------------------------
# 报送情况 export (issue 18)
# ---------------------------------------------------------------------------
def reporting_export(*, actor, root: Unit, period: str, period_text: str, as_of: date,
                     focus: Unit | None = None) -> tuple[bytes, str]:
    """The 报送情况 grid and rows of ``root`` for ``period`` as XLSX and its file name; audited.
    Raises PermissionDenied without EXPORT on ``root``."""
    if not can(actor, Action.EXPORT, root):
        raise PermissionDenied
    overview = reporting_selectors.reporting_overview(root, period, as_of, focus=focus)
    rows = overview.rows
    heading = f"{focus.name if focus else root.name} {period_text}报送明细（{as_of.isoformat()} 统计）"
    content = exports.reporting_xlsx(grid=overview.grid, rows=rows, titles=overview.titles, heading=heading)
    record_event(actor=actor, action="compliance.reporting_export", unit_code=root.code, period=period,
                 focus=focus.code if focus else "", format="xlsx", rows=len(rows))
    return content, exports.reporting_filename(root.code, period, focus.code if focus else "")
