"""Writes: snapshots, nightly runs, county reports, reminders and webhooks.

Every function is safe to run twice for the same date: reports and snapshots are replaced in
place (unique per county/unit and date), reminders and report emails are claimed before they
are sent, so a re-run or a retried task never sends them again.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from datetime import date
from urllib.error import URLError

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from apps.accounts.access import users_with_grant_over
from apps.accounts.models import Role
from apps.compliance import selectors
from apps.compliance.models import CountyReport, CountySettings, EvaluationRun, ReminderSent, Snapshot
from apps.compliance.results import Status, UnitEvaluation
from apps.core.audit import record_event
from apps.jurisdictions.models import Unit

logger = logging.getLogger(__name__)
WEBHOOK_TIMEOUT_SECONDS = 5


# ---------------------------------------------------------------------------
# Snapshots
# ---------------------------------------------------------------------------
def snapshots_store(*, units: list[Unit], evaluations: dict[str, UnitEvaluation], fingerprints: dict[int, str]) -> int:
    """Upsert one snapshot per unit in ONE statement, whatever the number of units.

    Django's bulk_create splits rows into batches of SQLite's 999 variables, which would make the
    query count grow with the subtree; instead the rows travel as one JSON parameter and the
    database unpacks them (json_each on SQLite, jsonb_to_recordset on PostgreSQL), with
    INSERT … ON CONFLICT DO UPDATE so a re-run replaces and never duplicates.
    """
    now = timezone.now().isoformat()
    rows = []
    for u in units:
        e = evaluations[u.code]
        rows.append({
            "unit_id": u.pk, "as_of": e.as_of.isoformat(), "payload": e.to_dict(), "score": e.score,
            "grade": e.grade, "counts": e.counts, "fingerprint": fingerprints.get(u.pk, ""), "computed_at": now,
        })
    if not rows:
        return 0
    table = connection.ops.quote_name(Snapshot._meta.db_table)
    columns = "unit_id, as_of, payload, score, grade, counts, fingerprint, computed_at"
    update = ", ".join(f"{c} = excluded.{c}" for c in ("payload", "score", "grade", "counts", "fingerprint", "computed_at"))
    if connection.vendor == "postgresql":
        source = (
            f"SELECT {columns} FROM jsonb_to_recordset(%s::jsonb) AS x(unit_id bigint, as_of date, payload jsonb, "  # noqa: S608
            "score double precision, grade varchar, counts jsonb, fingerprint varchar, computed_at timestamptz)"
        )
    else:
        source = (
            "SELECT json_extract(value, '$.unit_id'), json_extract(value, '$.as_of'), "
            "json(json_extract(value, '$.payload')), json_extract(value, '$.score'), json_extract(value, '$.grade'), "
            "json(json_extract(value, '$.counts')), json_extract(value, '$.fingerprint'), "
            "json_extract(value, '$.computed_at') FROM json_each(%s) WHERE true"
        )
    sql = f"INSERT INTO {table} ({columns}) {source} ON CONFLICT (unit_id, as_of) DO UPDATE SET {update}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(rows, ensure_ascii=False)])
    return len(rows)


# ---------------------------------------------------------------------------
# Nightly run
# ---------------------------------------------------------------------------
def evaluation_run_start(*, as_of: date, trigger: str = "beat") -> EvaluationRun:
    counties = Unit.objects.filter(level="county").count()
    return EvaluationRun.objects.create(as_of=as_of, trigger=trigger, counties=counties)


@transaction.atomic
def county_report_build(*, county: Unit, as_of: date, run: EvaluationRun | None = None) -> CountyReport:
    """Evaluate the county's subtree (refreshing its snapshots) and replace its overdue report."""
    evaluations = selectors.evaluate_subtree(county, as_of)
    rows = selectors.overdue_rows(evaluations, as_of)
    counts = {s: sum(1 for r in rows if r.status == s) for s in selectors.DEFAULT_OVERDUE_STATUSES}
    report, _ = CountyReport.objects.update_or_create(
        county=county, as_of=as_of,
        defaults={
            "run": run, "ok": True, "error": "", "units_evaluated": len(evaluations),
            "overdue": counts[Status.OVERDUE], "non_compliant": counts[Status.NON_COMPLIANT],
            "due_soon": counts[Status.DUE_SOON], "rows": [r.to_dict() for r in rows],
        },
    )
    record_event(actor=None, action="compliance.county_report", unit_code=county.code, as_of=as_of.isoformat(),
                 overdue=counts[Status.OVERDUE], units=len(evaluations))
    return report


def county_report_fail(*, county: Unit, as_of: date, run: EvaluationRun | None, error: str) -> CountyReport:
    report, _ = CountyReport.objects.update_or_create(
        county=county, as_of=as_of, defaults={"run": run, "ok": False, "error": error[:2000]}
    )
    return report


def evaluation_run_finish(*, run: EvaluationRun) -> EvaluationRun:
    reports = list(CountyReport.objects.filter(run=run))
    run.counties_done = sum(1 for r in reports if r.ok)
    run.units_evaluated = sum(r.units_evaluated for r in reports if r.ok)
    run.overdue_tasks = sum(r.overdue for r in reports if r.ok)
    run.emails_sent = sum(r.emails_sent for r in reports)
    run.errors = [{"county": r.county_id, "error": r.error} for r in reports if not r.ok]
    if not run.errors:
        run.state = EvaluationRun.State.SUCCEEDED
    else:
        run.state = EvaluationRun.State.PARTIAL if run.counties_done else EvaluationRun.State.FAILED
    run.finished_at = timezone.now()
    run.save()
    return run


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


def county_report_notify(*, report: CountyReport) -> int:
    """Email the county officials once per county and date (claimed first: a re-run or a retried
    task finds it claimed and sends nothing), then remind township staff of their own tasks."""
    sent = 0
    county = report.county
    claimed = CountyReport.objects.filter(pk=report.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
    if claimed:
        recipients = [u.email for u in users_with_grant_over(county, Role.COUNTY_OFFICIAL) if u.email]
        if recipients:
            body = (
                f"{county.name} {report.as_of.isoformat()} 逾期任务报告：已逾期 {report.overdue} 项，"
                f"未达标 {report.non_compliant} 项，即将到期 {report.due_soon} 项。\n"
                f"查看与下载：{report_url(county, report.as_of)}\n"
            )
            sent += send_mail(f"【应急合规】{county.name}逾期任务报告（{report.as_of.isoformat()}）", body,
                              None, recipients, fail_silently=True)
    sent += township_reminders_send(county=county, as_of=report.as_of, rows=report.rows)
    CountyReport.objects.filter(pk=report.pk).update(emails_sent=F("emails_sent") + sent)
    return sent


def township_reminders_send(*, county: Unit, as_of: date, rows: list[dict]) -> int:
    """Remind township staff of due-soon and overdue tasks in their township.

    Driven by the task's state on the run date, not by "due == today + N": a task that is due
    soon or overdue on any night is reminded once per stage, so a missed night only delays it.
    ``ReminderSent`` (unique per user, requirement, unit, due, stage) prevents repeats.
    """
    wanted = [r for r in rows if r["status"] in (Status.DUE_SOON, Status.OVERDUE) and r.get("due")]
    if not wanted:
        return 0
    by_township: dict[str, list[dict]] = {}
    for row in wanted:
        township_code = row["unit"][:9] + "000"
        by_township.setdefault(township_code, []).append(row)
    sent = 0
    for township in Unit.objects.filter(code__in=list(by_township), level="township"):
        township_rows = by_township[township.code]
        for user in users_with_grant_over(township, Role.TOWNSHIP_STAFF):
            if not user.email:
                continue
            keys = {(r["requirement"], r["unit"], r["due"], r["status"]) for r in township_rows}
            done = set(
                ReminderSent.objects.filter(user=user, unit_code__in={k[1] for k in keys}).values_list(
                    "requirement", "unit_code", "due", "stage"
                )
            )
            done = {(req, unit, due.isoformat(), stage) for req, unit, due, stage in done}
            fresh = sorted(keys - done)
            if not fresh:
                continue
            ReminderSent.objects.bulk_create(
                [ReminderSent(user=user, requirement=req, unit_code=unit, due=date.fromisoformat(due), stage=stage,
                              as_of=as_of) for req, unit, due, stage in fresh],
                ignore_conflicts=True,
            )
            lines = [
                f"- {r['unit_name']} {r['requirement_title']}：{Status.LABELS[r['status']]}，截止 {r['due']}"
                f"{'（' + r['missing'] + '）' if r.get('missing') else ''}"
                for r in township_rows if (r["requirement"], r["unit"], r["due"], r["status"]) in set(fresh)
            ]
            body = f"{township.name}有以下任务即将到期或已逾期（{as_of.isoformat()}）：\n" + "\n".join(lines)
            sent += send_mail(f"【应急合规】{township.name}任务提醒", body, None, [user.email], fail_silently=True)
    return sent


def county_webhook_post(*, report: CountyReport) -> bool:
    """POST the report as JSON to the county's webhook, once per county and date; failures are
    recorded on the report (and retried by the next run), never raised."""
    config = CountySettings.objects.filter(county_id=report.county_id, webhook_enabled=True).first()
    if config is None or report.webhook_sent_at or not config.webhook_url.startswith(("http://", "https://")):
        return False
    payload = json.dumps({
        "county": report.county.code, "as_of": report.as_of.isoformat(), "overdue": report.overdue,
        "non_compliant": report.non_compliant, "due_soon": report.due_soon, "tasks": report.rows,
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
