from django.conf import settings
from django.core import checks

from apps.core.audit import ALGORITHMS, MIN_RETENTION_DAYS


@checks.register(checks.Tags.security)
def check_audit_settings(app_configs, **kwargs):
    errors = []
    if int(getattr(settings, "AUDIT_RETENTION_DAYS", MIN_RETENTION_DAYS)) < MIN_RETENTION_DAYS:
        errors.append(checks.Error(
            f"AUDIT_RETENTION_DAYS is below {MIN_RETENTION_DAYS} days",
            hint="网络安全法 Art. 21 requires network logs to be kept for at least six months.", id="audit.E001"))
    if str(getattr(settings, "AUDIT_HASH_ALGORITHM", "sm3")).lower() not in ALGORITHMS:
        errors.append(checks.Error(f"AUDIT_HASH_ALGORITHM must be one of {sorted(ALGORITHMS)}", id="audit.E002"))
    return errors
