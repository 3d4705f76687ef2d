"""Celery tasks: thin wrappers that take ids and dates, re-fetch, and call one service.

The nightly job fans out its counties, a few per task (a chord), so more workers finish sooner;
the chord's callback closes the run. Every task is idempotent (see services.py) and acknowledged
late (settings), so a retried or re-run task replaces its county's report instead of adding one.
"""

from __future__ import annotations

import json
import logging
from datetime import date

from celery import chord, shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts.access import counties_recipients
from apps.compliance import selectors, services
from apps.compliance.models import EvaluationRun
from apps.core.dates import parse_as_of
from apps.core.runtime import collector_paused, in_lanes
from apps.jurisdictions.models import Unit

logger = logging.getLogger(__name__)
NIGHTLY_TASK = "compliance.nightly_evaluation"
BEAT_NAME = "每晚合规评估与逾期报告"
WATCHDOG_TASK = "compliance.nightly_watchdog"
WATCHDOG_BEAT_NAME = "夜间评估看门狗与提醒补发"
WATCHDOG_EVERY_MINUTES = 5


@shared_task(name=NIGHTLY_TASK)
def nightly_evaluation(as_of: str | None = None, trigger: str = "beat") -> int:
    """Start the run of ``as_of`` (default: today) and fan out its counties, a few per task
    (``evaluate_counties``); a second trigger while it runs joins it (nothing sent twice)."""
    day = parse_as_of(as_of)
    run, fan_out = services.evaluation_run_open(as_of=day, trigger=trigger)
    if not fan_out:
        logger.info("nightly run %s is already running: joined", day)
        return run.pk
    county_ids = list(Unit.objects.filter(level="county").order_by("code").values_list("pk", flat=True))
    # The catalog key, read once for the night: a catalog changed while the night runs leaves the
    # counties after it stamped with the old key, so they are recomputed the next night (and pages
    # compute them live meanwhile), never wrongly current.
    catalog = selectors.catalog_key()
    size = max(1, settings.COMPLIANCE_NIGHT_COUNTIES_PER_TASK)
    header = [evaluate_counties.s(run.pk, county_ids[i:i + size], day.isoformat(), catalog)
              for i in range(0, len(county_ids), size)]
    try:
        if header:
            chord(header)(finish_run.s(run.pk))  # the county tasks' results come first
        else:
            finish_run.delay([], run.pk)
    except Exception:
        # The fan-out could not be sent (broker gone): close the run as failed rather than
        # leave it "running" for ever, then fail the task visibly.
        EvaluationRun.objects.filter(pk=run.pk, state=EvaluationRun.State.RUNNING).update(
            state=EvaluationRun.State.FAILED, finished_at=timezone.now()
        )
        raise
    return run.pk


@shared_task(name="compliance.evaluate_counties")
def evaluate_counties(run_id: int, county_ids: list[int], as_of: str, catalog: str | None = None) -> list[dict]:
    """The nightly fan-out's unit of work: a few counties (COMPLIANCE_NIGHT_COUNTIES_PER_TASK),
    COMPLIANCE_NIGHT_LANES of them in progress at once in this process (runtime.in_lanes: one
    thread and database connection each), so the process computes one county while PostgreSQL
    reads or writes another. Each county is ``county_night``, in its own transaction, exactly as
    ``evaluate_county`` runs it; the run and the counties are read once for the batch."""
    day = date.fromisoformat(as_of)
    run = EvaluationRun.objects.filter(pk=run_id).first()
    counties = Unit.objects.in_bulk(county_ids)
    batch = [counties[pk] for pk in county_ids if pk in counties]
    recipients, webhooks = counties_recipients(batch), services.webhooks_enabled([c.pk for c in batch])
    with collector_paused():  # once for the batch: the collector is per process, not per lane
        return in_lanes(lambda county: county_night(run, county, day, catalog, recipients=recipients[county.pk],
                                                    webhooks=webhooks),
                        batch, settings.COMPLIANCE_NIGHT_LANES)


@shared_task(name="compliance.evaluate_county")
def evaluate_county(run_id: int, county_id: int, as_of: str, catalog: str | None = None) -> dict:
    """One county (the watchdog re-queues a missing county with it)."""
    run = EvaluationRun.objects.filter(pk=run_id).first()
    with collector_paused():
        return county_night(run, Unit.objects.get(pk=county_id), date.fromisoformat(as_of), catalog)


def county_night(run: EvaluationRun | None, county: Unit, day: date, catalog: str | None = None, *,
                 recipients=None, webhooks=None) -> dict:
    """Evaluate one county, replace its report, send its emails and webhook. Never raises for a
    data problem (the error is recorded on the report), so one county cannot sink the chord.
    ``catalog``: the catalog key the nightly task read; ``recipients`` and ``webhooks``: who and
    where to notify, read for the task's batch (None: each read now)."""
    try:
        report = services.county_report_build(county=county, as_of=day, run=run, catalog=catalog)
    except Exception as exc:  # noqa: BLE001 - recorded on the run, visible to administrators
        logger.exception("evaluation of county %s failed", county.code)
        services.county_report_fail(county=county, as_of=day, run=run, error=f"{type(exc).__name__}: {exc}")
        return {"county": county.code, "ok": False}
    services.county_report_notify(report=report, recipients=recipients)
    services.county_webhook_post(report=report, webhooks=webhooks)
    return {"county": county.code, "ok": True, "overdue": report.overdue,
            "carried": getattr(report, "carried_over", False)}


@shared_task(name="compliance.finish_run")
def finish_run(results, run_id: int | None = None) -> int:
    """The chord's callback: close the run, apply retention, and refresh the planner's statistics
    of the night's rows — unless every county task carried its report over (a same-night re-run
    wrote no new rows to sample). ``results``: the county tasks' results (a task queued before
    the results were passed sends the run id alone: statistics refreshed)."""
    if run_id is None:
        results, run_id = None, results
    run = EvaluationRun.objects.get(pk=run_id)
    services.evaluation_run_finish(run=run)
    services.snapshots_prune(today=run.as_of)
    services.overdue_rows_prune(today=run.as_of)
    if results is not None:  # a batch's list of county results (or one county's result)
        results = [r for batch in results for r in (batch if isinstance(batch, list) else [batch])]
    if results is None or not all(isinstance(r, dict) and r.get("carried") for r in results):
        services.night_statistics_refresh()
    return run.pk


@shared_task(name=WATCHDOG_TASK)
def nightly_watchdog() -> dict:
    """Every few minutes (beat): re-queue counties a running run is missing, close runs whose
    callback was lost or that are past their deadline, and retry reminders that failed to send."""
    requeued = 0
    for run_id, county_ids in services.evaluation_runs_watch().items():
        run = EvaluationRun.objects.get(pk=run_id)
        for county_id in county_ids:
            evaluate_county.delay(run.pk, county_id, run.as_of.isoformat())
            requeued += 1
        logger.warning("nightly run %s: re-queued %d counties that had not reported", run.as_of, len(county_ids))
    return {"requeued": requeued, "reminders_sent": services.reminders_deliver()}


def queue_nightly(as_of: date | None = None, trigger: str = "manual") -> None:
    """Queue the nightly job once the current transaction commits."""
    transaction.on_commit(lambda: _send_nightly(as_of, trigger))


def _send_nightly(as_of: date | None, trigger: str) -> bool:
    """Nothing is written before the worker starts the run, so a broker outage loses nothing:
    log it clearly (beat sends again the next night) instead of failing the caller."""
    try:
        nightly_evaluation.delay(as_of.isoformat() if as_of else None, trigger)
    except Exception:  # noqa: BLE001 - any broker/transport error
        logger.exception("could not queue the nightly evaluation (broker unavailable?)")
        return False
    return True


def ensure_beat_schedule() -> bool:
    """Create the nightly PeriodicTask (02:30 Asia/Shanghai) and the watchdog's (every few
    minutes) if absent. Administrators may edit or disable them in the admin afterwards; this
    never overwrites their changes. Returns whether the nightly task was created."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    if not PeriodicTask.objects.filter(name=WATCHDOG_BEAT_NAME).exists():
        every, _ = IntervalSchedule.objects.get_or_create(every=WATCHDOG_EVERY_MINUTES,
                                                          period=IntervalSchedule.MINUTES)
        PeriodicTask.objects.create(name=WATCHDOG_BEAT_NAME, task=WATCHDOG_TASK, interval=every,
                                    description="补发未完成的县评估，关闭超时的夜间评估，重试发送失败的提醒")
    if PeriodicTask.objects.filter(name=BEAT_NAME).exists():
        return False
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="2", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
    )
    PeriodicTask.objects.create(
        name=BEAT_NAME, task=NIGHTLY_TASK, crontab=schedule, kwargs=json.dumps({"trigger": "beat"}),
        description="对全部县逐县评估、生成逾期任务报告并发送提醒",
    )
    return True
