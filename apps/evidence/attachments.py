"""Attachments: photos and PDFs of drills, sign-in sheets, plans.

The type is decided by the file's first bytes, never by its name or the browser's claim; the
file is stored under a random name (models.attachment_path) and served only by views.download,
which asks the access policy and sends it as a download with ``nosniff``.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from apps.accounts.access import Action
from apps.core.audit import record_event
from apps.evidence.models import Attachment
from apps.evidence.services import EvidenceError, kind_of, require_access

# (magic bytes, MIME type). Everything else is refused, including SVG and HTML (scriptable).
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)


def sniff_type(head: bytes) -> str | None:
    for magic, mime in _SIGNATURES:
        if head.startswith(magic):
            return mime
    return None


def _safe_name(name: str) -> str:
    name = (name or "附件").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*;')[:200] or "附件"


@transaction.atomic
def attachment_add(*, record, data: bytes, filename: str, actor) -> Attachment:
    require_access(actor, Action.SUBMIT, record.unit)
    if record.deleted_at is not None:
        raise EvidenceError("记录已删除，不能添加附件", "file")
    if len(data) > settings.ATTACHMENT_MAX_BYTES:
        raise EvidenceError(f"附件不能超过 {settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB", "file")
    mime = sniff_type(data[:16])
    if mime is None:
        raise EvidenceError("只接受 JPEG、PNG 图片或 PDF 文件（按文件内容识别）", "file")
    attachment = Attachment(
        content_type=ContentType.objects.get_for_model(type(record)),
        object_id=record.pk,
        unit=record.unit,
        original_name=_safe_name(filename),
        mime_type=mime,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor,
    )
    attachment.file.save("upload", ContentFile(data), save=False)
    attachment.save()
    record_event(actor=actor, action="evidence.attachment_add", unit_code=record.unit.code,
                 kind=kind_of(record).key, record_id=record.pk, attachment_id=attachment.pk)
    return attachment


@transaction.atomic
def attachment_remove(*, attachment: Attachment, actor) -> None:
    """Soft removal: the file stays for the audit trail but is no longer listed or served."""
    require_access(actor, Action.SUBMIT, attachment.unit)
    attachment.deleted_at = timezone.now()
    attachment.save(update_fields=["deleted_at"])
    record_event(actor=actor, action="evidence.attachment_remove", unit_code=attachment.unit.code,
                 attachment_id=attachment.pk)
