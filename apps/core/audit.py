"""The one write path of the security audit log, its hash chain, verification and pruning.

Every state change of the portal calls ``record_event`` inside the transaction of the change, so
the change and its record commit or roll back together (STYLE.md, conventions 2). Entries are
chained (see ``apps.core.models.AuditEvent``): appends are serialized on the chain-head row, so two
writers can never both extend the same entry, and the ``seq``/``hash`` unique constraints make a
fork impossible even if the lock were skipped.

The digest is SM3 (GB/T 32905-2016) through ``cryptography``'s OpenSSL binding, or SHA-256 when
``AUDIT_HASH_ALGORITHM = "sha256"``. Each entry stores the algorithm it was hashed with, so changing
the setting never invalidates older entries.
"""

from __future__ import annotations

import contextvars
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from apps.core import proxies
from apps.core.models import AuditChainHead, AuditCheckpoint, AuditEvent

GENESIS = "0" * 64
ALGORITHMS = {"sm3": hashes.SM3, "sha256": hashes.SHA256}
# 网络安全法 Art. 21(3): network logs are kept for no less than six months. The PostgreSQL trigger
# enforces the same floor (migration 0003), so it holds even against a misconfigured setting.
MIN_RETENTION_DAYS = 180
# Detail keys that name the object acted on, in order of preference, when the caller gives no target.
_TARGET_KEYS = ("record_id", "scorecard", "seal", "job", "token", "requirement", "record", "user", "username")

# The request being served (bound by AuditContextMiddleware), so services deep below the view
# record its source address, and model-signal receivers its user, without passing the request down.
_request: contextvars.ContextVar = contextvars.ContextVar("audit_request", default=None)


def client_ip(request) -> str | None:
    """The client address of ``request``, by the one rule django-axes uses too
    (``apps.core.proxies``: ``X-Forwarded-For`` only from ``TRUSTED_PROXIES``)."""
    return proxies.client_ip(request)


def bind_request(request) -> contextvars.Token:
    return _request.set(request)


def unbind_request(token: contextvars.Token) -> None:
    _request.reset(token)


def current_source_ip() -> str | None:
    request = _request.get()
    return client_ip(request) if request is not None else None


def current_user():
    """The authenticated user of the request being served, or None (commands, tasks)."""
    user = getattr(_request.get(), "user", None)
    return user if getattr(user, "is_authenticated", False) else None


# ------------------------------------------------------------------------------------------------
# Hashing
# ------------------------------------------------------------------------------------------------
def algorithm_setting() -> str:
    name = getattr(settings, "AUDIT_HASH_ALGORITHM", "sm3").lower()
    if name not in ALGORITHMS:
        raise ValueError(f"AUDIT_HASH_ALGORITHM must be one of {sorted(ALGORITHMS)}, not {name!r}")
    return name


def digest(algorithm: str, data: bytes) -> str:
    h = hashes.Hash(ALGORITHMS[algorithm]())
    h.update(data)
    return h.finalize().hex()


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(entry: AuditEvent) -> bytes:
    """The bytes an entry's hash covers: every field except ``hash`` itself, as compact JSON with
    sorted keys (so the database's key order in ``detail`` does not matter)."""
    content = {
        "seq": entry.seq, "at": _utc(entry.at), "actor_id": entry.actor_id, "actor": entry.actor_name,
        "role": entry.role, "source_ip": entry.source_ip, "action": entry.action, "unit": entry.unit_code,
        "target": entry.target, "result": entry.result, "detail": entry.detail,
        "algorithm": entry.algorithm, "prev_hash": entry.prev_hash,
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def entry_hash(entry: AuditEvent) -> str:
    return digest(entry.algorithm, canonical(entry))


# ------------------------------------------------------------------------------------------------
# Append
# ------------------------------------------------------------------------------------------------
def _locked_head() -> tuple[int, str]:
    """The chain head's ``(seq, hash)``, its row locked until the surrounding transaction ends
    (created on first use). Plain SQL, as the head's advance below: every audited write of the
    portal runs both, and Django built the two ORM statements again each time (a nightly county
    task's audit entry spent more time building its statements than running them)."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = f"SELECT seq, hash FROM {connection.ops.quote_name(AuditChainHead._meta.db_table)} WHERE id = 1{lock}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        head = cursor.fetchone()
        if head is None:
            AuditChainHead.objects.bulk_create([AuditChainHead(id=1, seq=0, hash=GENESIS)], ignore_conflicts=True)
            cursor.execute(sql)
            head = cursor.fetchone()
    return head


def _advance_head(*, was: int, seq: int, last_hash: str) -> bool:
    """Move the head from ``was`` to the new last entry; False if it is no longer at ``was``."""
    table = connection.ops.quote_name(AuditChainHead._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET seq = %s, hash = %s WHERE id = 1 AND seq = %s", [seq, last_hash, was])  # noqa: S608
        return cursor.rowcount == 1


def _target(target: str, detail: dict) -> str:
    if target:
        return str(target)[:200]
    for key in _TARGET_KEYS:
        if detail.get(key) not in (None, ""):
            return f"{key}={detail[key]}"[:200]
    return ""


def record_event(*, actor, action: str, unit_code: str = "", target: str = "",
                 result: str = AuditEvent.Result.SUCCESS, source_ip: str | None = None, **detail) -> AuditEvent:
    """Append one audit entry; call it inside the transaction of the change it records.

    ``actor`` is the user (or None/anonymous for the system); ``target`` names the object (derived
    from ``detail`` when omitted); ``detail`` carries ids, counts and codes, never personal data.
    """
    user = actor if getattr(actor, "is_authenticated", False) else None
    clean = json.loads(json.dumps(detail, cls=DjangoJSONEncoder))  # what the JSON column will return
    with transaction.atomic(savepoint=False):
        head_seq, head_hash = _locked_head()
        entry = AuditEvent(
            seq=head_seq + 1, at=timezone.now(), actor=user, actor_name=user.get_username() if user else "",
            role=(getattr(user, "role", "") or "") if user else "",
            source_ip=source_ip or current_source_ip(), action=action, unit_code=unit_code or "",
            target=_target(target, clean), result=result, detail=clean, algorithm=algorithm_setting(),
            prev_hash=head_hash or GENESIS,
        )
        entry.hash = entry_hash(entry)
        entry.save(force_insert=True)
        if not _advance_head(was=head_seq, seq=entry.seq, last_hash=entry.hash):  # only without row locks: refuse, not fork
            raise RuntimeError("audit chain head moved during append")
    return entry


# ------------------------------------------------------------------------------------------------
# Verify
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    reason: str = ""


def verify_chain(*, anchor: tuple[int, str] | None = None) -> Verdict:
    """Walk the chain from the last prune checkpoint (or the genesis) to the head.

    Reports the first entry whose content no longer matches its hash (changed), whose ``prev_hash``
    is not its predecessor's hash or whose ``seq`` skips (inserted, deleted), and entries beyond or
    missing before the recorded head. ``anchor`` (seq, hash), a head recorded earlier outside the
    database, must still be in the chain.
    """
    checkpoint = AuditCheckpoint.objects.order_by("-seq").first()
    expected_seq, prev = (checkpoint.seq + 1, checkpoint.hash) if checkpoint else (1, GENESIS)
    head = AuditChainHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    checked = 0

    def broken(seq, reason):
        return Verdict(False, checked, head_seq, head_hash, seq, reason)

    for entry in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            if entry.seq < expected_seq:
                return broken(entry.seq, "位于清理检查点之前的记录（插入的记录）")
            return broken(expected_seq, f"缺少第 {expected_seq}–{entry.seq - 1} 条（记录被删除）")
        if entry.algorithm not in ALGORITHMS or entry_hash(entry) != entry.hash:
            return broken(entry.seq, "内容与摘要不符（记录被修改）")
        if entry.prev_hash != prev:
            return broken(entry.seq, "前一条摘要不符（前面插入或修改了记录）")
        if anchor and entry.seq == anchor[0] and entry.hash != anchor[1]:
            return broken(entry.seq, "与外部留存的链头摘要不符")
        prev, expected_seq, checked = entry.hash, entry.seq + 1, checked + 1
    last_seq = expected_seq - 1
    if last_seq < head_seq:
        return broken(last_seq + 1, f"缺少第 {last_seq + 1}–{head_seq} 条（末尾记录被删除）")
    if last_seq > head_seq:
        return broken(head_seq + 1, "链头之后出现记录（插入的记录）")
    if head_seq and prev != head_hash:
        return broken(head_seq, "链头摘要不符")
    if anchor and anchor[0] > head_seq:
        return broken(anchor[0], "外部留存的链头已不在链中（记录被删除）")
    if anchor and checkpoint and anchor[0] == checkpoint.seq and checkpoint.hash != anchor[1]:
        return broken(anchor[0], "与外部留存的链头摘要不符")
    return Verdict(True, checked, head_seq, head_hash)


# ------------------------------------------------------------------------------------------------
# Retention
# ------------------------------------------------------------------------------------------------
def retention_days(days: int | None = None) -> int:
    """``days`` (安全设置, passed by apps.audit) or else AUDIT_RETENTION_DAYS; never below the floor."""
    days = int(days if days is not None else getattr(settings, "AUDIT_RETENTION_DAYS", MIN_RETENTION_DAYS))
    if days < MIN_RETENTION_DAYS:
        raise ValueError(f"AUDIT_RETENTION_DAYS must be at least {MIN_RETENTION_DAYS}")
    return days


@transaction.atomic
def prune(*, now: datetime | None = None, actor=None, days: int | None = None) -> int:
    """Delete the entries older than the retention period, leaving a checkpoint (the last pruned
    entry's seq and hash) so the remaining chain still verifies. Returns the number deleted."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=retention_days(days))
    _locked_head()  # no append while the old end of the chain is cut
    young = AuditEvent.objects.filter(at__gte=cutoff).order_by("seq").values_list("seq", flat=True).first()
    old = AuditEvent.objects.filter(at__lt=cutoff)
    if young is not None:
        old = old.filter(seq__lt=young)  # never leave a hole: cut only a prefix of the chain
    last = old.order_by("-seq").values("seq", "hash").first()
    if last is None:
        return 0
    count = old.count()
    AuditCheckpoint.objects.create(seq=last["seq"], hash=last["hash"], pruned=count, before=cutoff)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # the trigger allows this transaction, and only old rows
            cursor.execute("SET LOCAL ecp.audit_prune = 'on'")
    AuditEvent.objects.filter(seq__lte=last["seq"]).delete()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL ecp.audit_prune = 'off'")
    record_event(actor=actor, action="audit.pruned", before=cutoff.isoformat(), rows=count, through=last["seq"])
    return count
