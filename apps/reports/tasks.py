"""Celery tasks of the reports app: thin, take ids, safe to run twice."""

from celery import shared_task


@shared_task(name="reports.run_scorecard_job", soft_time_limit=20 * 60, time_limit=25 * 60)
def run_scorecard_job(job_id: int) -> int | None:
    from apps.reports.services import scorecard_job_run

    job = scorecard_job_run(job_id=job_id)
    return job.scorecard_id if job else None
