"""Two-factor authentication with TOTP (django-otp): set-up, verification, recovery codes, reset.

A user has at most one confirmed TOTP device (the authenticator app) and one static device
holding ten single-use recovery codes. Every change is audited in the same transaction.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import django_otp
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.core.audit import record_event
from apps.core.models import AuditEvent

RECOVERY_CODES = 10
RECOVERY_NAME = "恢复码"
TOTP_NAME = "身份验证器"


def confirmed_totp(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_totp(user) -> TOTPDevice:
    """The unconfirmed device being set up (created once, reused on reload so the QR code and
    the secret stay the same until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def base32_secret(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode()


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    recovery_codes: list[str]


@transaction.atomic
def totp_confirm(*, request, device: TOTPDevice, token: str) -> Enrolment | None:
    """Confirm the pending device with a first code; returns the new recovery codes (shown once)."""
    if not device.verify_token(token.strip()):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    codes = _new_recovery_codes(device.user)
    django_otp.login(request, device)  # the device changes are audited by apps.audit.receivers
    return Enrolment(device=device, recovery_codes=codes)


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
    return codes


@transaction.atomic
def recovery_codes_regenerate(*, user) -> list[str]:
    codes = _new_recovery_codes(user)
    record_event(actor=user, action="accounts.mfa_recovery_codes_regenerated", username=user.username)
    return codes


def verify(*, request, token: str) -> bool:
    """Check a TOTP code, or else a recovery code (used up); mark the session verified."""
    token = token.strip().replace(" ", "")
    user = request.user
    for device in [*TOTPDevice.objects.filter(user=user, confirmed=True),
                   *StaticDevice.objects.filter(user=user, confirmed=True)]:
        if device.verify_token(token):
            django_otp.login(request, device)
            if isinstance(device, StaticDevice):
                record_event(actor=user, action="accounts.mfa_recovery_code_used", username=user.username,
                             left=device.token_set.count())
            return True
    record_event(actor=user, action="accounts.mfa_failed", username=user.username, result=AuditEvent.Result.FAILURE)
    return False


@transaction.atomic
def devices_reset(*, user, actor) -> int:
    """An administrator removes the user's devices (lost phone): the user sets up anew at next login."""
    removed = TOTPDevice.objects.filter(user=user).delete()[0] + StaticDevice.objects.filter(user=user).delete()[0]
    record_event(actor=actor, action="accounts.mfa_reset", username=user.username, devices=removed)
    return removed
