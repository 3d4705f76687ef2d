"""Writes of the reports app: generate and store scorecards, run county jobs, seal evaluations.

Every state change writes its audit record (apps.core.audit) in the same transaction.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from apps.accounts.access import Action, can
from apps.core.audit import record_event
from apps.core.dates import prose_date
from apps.jurisdictions.codes import Level
from apps.jurisdictions.models import Unit
from apps.reports import content, render, selectors
from apps.reports.models import JobState, Scorecard, ScorecardJob, Seal

logger = logging.getLogger(__name__)

# No 0/O, 1/I/L: the code is read off paper and typed in.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
SCORECARD_LEVELS = (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)
JOB_LEVELS = (Level.COUNTY,)  # large subtrees go through Celery; townships and villages are sync

Progress = Callable[[int, int], None]


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def verify_url(code: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse("reports:verify", args=[code])


FUTURE_REFUSED = "基准日 {as_of} 晚于今天（{today}）：未来日期的评估只是预测，不能生成评分卡或封存。"


def _refuse_future(as_of: date) -> None:
    """A scorecard carries a verification code and a seal freezes evidence: both are official
    statements of what *was*, so a date after today (Asia/Shanghai) is refused. Dashboards may
    still show a projection for a future date, marked 「预测」."""
    today = timezone.localdate()
    if as_of > today:
        raise ValidationError(FUTURE_REFUSED.format(as_of=prose_date(as_of), today=prose_date(today)))


def _check(user, action: Action, unit: Unit) -> None:
    # ``user=None`` is the management command, run by an operator on the server.
    if user is not None and not can(user, action, unit):
        raise PermissionDenied


def scorecard_generate(
    *, unit: Unit, as_of: date, user=None, progress: Progress | None = None, via: str = "web"
) -> tuple[Scorecard, bool]:
    """The scorecard of ``unit`` on ``as_of``: the stored one when the data is unchanged, else a
    freshly rendered and stored PDF. Returns (scorecard, created). Logs the export."""
    _check(user, Action.EXPORT, unit)
    if unit.level not in SCORECARD_LEVELS:
        raise ValidationError("只能为县、乡镇(街道)或村(社区)生成评分卡。")
    _refuse_future(as_of)
    report = progress or (lambda done, total: None)
    report(0, 3)
    payload, seal = selectors.scorecard_payload(unit, as_of)
    snapshot = content.fingerprint(payload)
    report(1, 3)
    card = selectors.stored_scorecard(unit, as_of, snapshot)
    created = card is None
    if created:
        card = _store_new(unit=unit, as_of=as_of, user=user, payload=payload, snapshot=snapshot, seal=seal)
    report(2, 3)
    with transaction.atomic():
        record_event(
            actor=user, action="scorecard.export", unit_code=unit.code, scorecard=card.pk, format="pdf",
            as_of=as_of.isoformat(), sha256=card.sha256, reused=not created, via=via,
        )
    report(3, 3)
    return card, created


def _store_new(*, unit, as_of, user, payload, snapshot, seal) -> Scorecard:
    # A row whose file was lost (media restored from an older backup) is re-rendered in place and
    # keeps its verification code, so the code printed on filed copies still leads somewhere.
    lost = Scorecard.objects.filter(unit=unit, as_of=as_of, snapshot_fingerprint=snapshot).first()
    code = lost.verification_code if lost else _new_code()
    while lost is None and Scorecard.objects.filter(verification_code=code).exists():
        code = _new_code()
    meta = render.Meta(
        verification_code=f"{code[:4]}-{code[4:]}",
        verify_url=verify_url(code),
        generated_at=timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        generated_by=user.display_name if user is not None else "",
    )
    pdf = render.render_pdf(payload, meta)
    card = Scorecard(
        unit=unit, as_of=as_of, payload=payload, snapshot_fingerprint=snapshot, verification_code=code,
        seal=seal, created_by=user, size=len(pdf), sha256=hashlib.sha256(pdf).hexdigest(),
    )
    card.file.save(f"{secrets.token_urlsafe(18)}.pdf", ContentFile(pdf), save=False)
    if lost is not None:
        return _replace_lost_file(lost, card, user)
    try:
        with transaction.atomic():
            card.save()
            record_event(
                actor=user, action="scorecard.create", unit_code=unit.code, scorecard=card.pk,
                as_of=as_of.isoformat(), sha256=card.sha256, seal=seal.number if seal else "",
            )
    except IntegrityError:
        # Another request stored the same snapshot first: keep theirs, drop our file.
        card.file.delete(save=False)
        return Scorecard.objects.get(unit=unit, as_of=as_of, snapshot_fingerprint=snapshot)
    return card


def _replace_lost_file(lost: Scorecard, card: Scorecard, user) -> Scorecard:
    with transaction.atomic():
        Scorecard.objects.filter(pk=lost.pk).update(file=card.file.name, size=card.size, sha256=card.sha256)
        record_event(
            actor=user, action="scorecard.rerender", unit_code=lost.unit.code, scorecard=lost.pk,
            as_of=lost.as_of.isoformat(), lost_sha256=lost.sha256, sha256=card.sha256,
        )
    lost.refresh_from_db()
    return lost


def scorecard_xlsx(*, card: Scorecard, user) -> bytes:
    """The Excel twin of a stored scorecard (same payload), logged as an export."""
    _check(user, Action.EXPORT, card.unit)
    meta = render.Meta(
        verification_code=card.display_code,
        verify_url=verify_url(card.verification_code),
        generated_at=timezone.localtime(card.created_at).strftime("%Y-%m-%d %H:%M"),
    )
    data = render.render_xlsx(card.payload, meta)
    with transaction.atomic():
        record_event(actor=user, action="scorecard.export", unit_code=card.unit.code, scorecard=card.pk,
                     format="xlsx", as_of=card.as_of.isoformat())
    return data


def scorecard_download_log(*, card: Scorecard, user) -> None:
    _check(user, Action.EXPORT, card.unit)
    with transaction.atomic():
        record_event(actor=user, action="scorecard.download", unit_code=card.unit.code, scorecard=card.pk,
                     sha256=card.sha256)


# -- county jobs --------------------------------------------------------------------------------
def scorecard_job_create(*, unit: Unit, as_of: date, user) -> ScorecardJob:
    """Queue a county scorecard; the Celery task is sent once the row is committed."""
    from apps.reports.tasks import run_scorecard_job

    _check(user, Action.EXPORT, unit)
    _refuse_future(as_of)
    with transaction.atomic():
        job = ScorecardJob.objects.create(unit=unit, as_of=as_of, created_by=user, total=3)
        record_event(actor=user, action="scorecard.job", unit_code=unit.code, job=job.pk, as_of=as_of.isoformat())
        transaction.on_commit(lambda: _send_job(run_scorecard_job, job.pk))
    job.refresh_from_db(fields=["state", "error"])
    return job


BROKER_DOWN = "任务队列暂时不可用，未能开始生成，请稍后重新提交"


def _send_job(task, job_id: int) -> None:
    """Send the task; if the broker is down, the job is marked failed with a clear message
    instead of an error page or a job that stays "queued" forever."""
    try:
        task.delay(job_id)
    except Exception:  # noqa: BLE001 - any broker/transport error (kombu raises many kinds)
        logger.exception("could not queue scorecard job %s", job_id)
        ScorecardJob.objects.filter(pk=job_id, state=JobState.QUEUED).update(
            state=JobState.FAILED, error=BROKER_DOWN, updated_at=timezone.now()
        )


def _claim(job_id: int) -> bool:
    """Claim a queued job, or a running one whose worker died: a running job touches
    ``updated_at`` with every page it draws, and no task outlives the hard time limit, so a job
    silent for longer than that limit has no live worker. A re-delivered task for a job that is
    still being worked on, or already done, claims nothing."""
    now = timezone.now()
    abandoned = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    return ScorecardJob.objects.filter(
        Q(state=JobState.QUEUED) | Q(state=JobState.RUNNING, updated_at__lt=abandoned), pk=job_id
    ).update(state=JobState.RUNNING, done=0, updated_at=now) == 1


def scorecard_job_run(*, job_id: int) -> ScorecardJob | None:
    """Run a job. Claims the row first, so a re-delivered task does nothing twice, while a job
    abandoned by a killed worker is taken over when its task is delivered again."""
    if not _claim(job_id):
        return None
    job = ScorecardJob.objects.select_related("unit", "created_by").get(pk=job_id)

    def progress(done: int, total: int) -> None:
        ScorecardJob.objects.filter(pk=job_id).update(done=done, total=total, updated_at=timezone.now())

    try:
        card, _ = scorecard_generate(unit=job.unit, as_of=job.as_of, user=job.created_by, progress=progress,
                                     via="job")
    except Exception as exc:
        logger.exception("scorecard job %s failed", job_id)
        ScorecardJob.objects.filter(pk=job_id).update(state=JobState.FAILED, error=str(exc)[:300])
        raise
    ScorecardJob.objects.filter(pk=job_id).update(state=JobState.DONE, scorecard=card, updated_at=timezone.now())
    job.refresh_from_db()
    return job


# -- seals --------------------------------------------------------------------------------------
def seal_create(*, unit: Unit, as_of: date, user, note: str = "") -> Seal:
    """Freeze the evaluation of ``unit``'s subtree on ``as_of`` and the evidence it used."""
    _check(user, Action.SEAL, unit)
    if unit.level not in SCORECARD_LEVELS:
        raise ValidationError("只能封存县、乡镇(街道)或村(社区)的评估。")
    _refuse_future(as_of)
    if Seal.objects.filter(unit=unit, as_of=as_of).exists():
        raise ValidationError("该单位在此基准日的评估已封存。")
    raw = selectors.collect_raw(unit, as_of)
    evidence = selectors.subtree_evidence(unit)
    number = f"FC{as_of:%Y%m%d}-{_new_code()[:6]}"
    try:
        with transaction.atomic():
            seal = Seal.objects.create(
                unit=unit, as_of=as_of, number=number, payload=raw, evidence=evidence,
                fingerprint=content.fingerprint({"payload": raw, "evidence": evidence}), note=note, created_by=user,
            )
            record_event(actor=user, action="seal.create", unit_code=unit.code, seal=seal.number,
                         as_of=as_of.isoformat(), fingerprint=seal.fingerprint, evidence=len(evidence))
    except IntegrityError as exc:
        raise ValidationError("该单位在此基准日的评估已封存。") from exc
    return seal


def scorecard_verify(*, card: Scorecard, data: bytes) -> bool:
    """Does an uploaded file match the stored scorecard byte for byte (by SHA-256)?"""
    return secrets.compare_digest(hashlib.sha256(data).hexdigest(), card.sha256)
