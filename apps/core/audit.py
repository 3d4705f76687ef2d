from apps.core.models import AuditEvent


def record_event(*, actor, action: str, unit_code: str = "", **detail) -> AuditEvent:
    """Append one audit event; call it inside the transaction of the change it records."""
    actor = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(actor=actor, action=action, unit_code=unit_code, detail=detail)
