"""Audit entries for events that happen outside our services: sign-in and sign-out (Django's auth
signals), lockout (django-axes), and changes to passwords, roles, MFA devices and jurisdiction
grants however they are made (admin, services, shell), caught at the model.

The acting user is the request's user (apps.core.audit.current_user), or nobody for commands.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save, pre_save

from apps.accounts.models import UnitUserObjectPermission
from apps.core.audit import current_user, record_event
from apps.core.models import AuditEvent
from apps.core.pii import mask_text
from apps.jurisdictions.models import Unit

FAILURE = AuditEvent.Result.FAILURE
_BACKENDS = {"apps.accounts.oidc.PortalOIDCBackend": "oidc"}


def _method(user) -> str:
    return _BACKENDS.get(getattr(user, "backend", ""), "password")


def _logged_in(sender, request, user, **kwargs):
    record_event(actor=user, action="auth.login", target=f"user={user.get_username()}", method=_method(user))


def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record_event(actor=user, action="auth.logout", target=f"user={user.get_username()}")


def _login_failed(sender, credentials, request=None, **kwargs):
    # Django has already replaced the password in ``credentials``; the username may be anything
    # the person typed (a phone number, even an ID number), so it is masked like the logs.
    refused = getattr(request, "oidc_refused", None)  # a person the provider knows and we do not
    if refused is not None:
        record_event(actor=None, action="auth.login_failed", target=f"user={mask_text(refused)[:150]}",
                     result=FAILURE, method="oidc", reason="unknown_user")
        return
    username = mask_text(str(credentials.get("username", "")))[:150]
    record_event(actor=None, action="auth.login_failed", target=f"user={username}", result=FAILURE)


def _locked_out(sender, request, username=None, ip_address=None, **kwargs):
    record_event(actor=None, action="auth.lockout", target=f"user={mask_text(str(username or ''))[:150]}",
                 result=FAILURE)


def _user_before_save(sender, instance, update_fields=None, **kwargs):
    if instance.pk is None or (update_fields is not None and "role" not in update_fields):
        instance._audit_old_role = None
        return
    instance._audit_old_role = sender.objects.filter(pk=instance.pk).values_list("role", flat=True).first()


def _user_saved(sender, instance, created, **kwargs):
    target = f"user={instance.get_username()}"
    actor = current_user()
    if created:
        record_event(actor=actor, action="accounts.user_created", target=target, role=instance.role)
        return
    if getattr(instance, "_password", None) is not None:  # set_password() was called before save()
        record_event(actor=actor, action="accounts.password_changed", target=target)
    old = getattr(instance, "_audit_old_role", None)
    if old is not None and old != instance.role:
        record_event(actor=actor, action="accounts.role_changed", target=target, old=old, new=instance.role)


def _grant_changed(verb):
    def receiver(sender, instance, **kwargs):
        if kwargs.get("created") is False:
            return  # an unchanged grant saved again
        # The unit's code is read (not instance.content_object) so that a grant removed together
        # with its unit is still recorded: the cascade deletes the grants before the unit.
        code = Unit.objects.filter(pk=instance.content_object_id).values_list("code", flat=True).first() or ""
        record_event(actor=current_user(), action=f"accounts.grant_{verb}", unit_code=code,
                     target=f"user={instance.user.get_username()}", permission=instance.permission.codename)

    return receiver


def _mfa_changed(verb):
    def receiver(sender, instance, **kwargs):
        from django_otp.models import Device

        if not isinstance(instance, Device):
            return
        if verb == "saved":
            created = kwargs.get("created")
            # django-otp saves the device on every verification (counters, throttling) without
            # update_fields; only its creation and its confirmation (set-up done) are changes.
            if not created and "confirmed" not in (kwargs.get("update_fields") or ()):
                return
            action = "accounts.mfa_device_added" if created else "accounts.mfa_device_confirmed"
        else:
            action = "accounts.mfa_device_removed"
        record_event(actor=current_user(), action=action, target=f"user={instance.user.get_username()}",
                     device=type(instance).__name__, confirmed=bool(getattr(instance, "confirmed", True)))

    return receiver


def _admin_logged(sender, instance, created, **kwargs):
    """Every change made in /admin/ (units, catalog, schedules and other settings, lockouts, users)
    is also written to the audit chain: Django's own admin log is an ordinary, editable table."""
    if not created:
        return
    verb = {1: "add", 2: "change", 3: "delete"}.get(instance.action_flag, "other")
    model = f"{instance.content_type.app_label}.{instance.content_type.model}" if instance.content_type_id else ""
    record_event(actor=instance.user, action=f"admin.{verb}", target=f"{model}:{instance.object_id}"[:200],
                 model=model, object=instance.object_repr[:100],
                 change=mask_text(instance.get_change_message())[:300])


def connect() -> None:
    user_logged_in.connect(_logged_in, dispatch_uid="audit_login")
    user_logged_out.connect(_logged_out, dispatch_uid="audit_logout")
    user_login_failed.connect(_login_failed, dispatch_uid="audit_login_failed")
    from axes.signals import user_locked_out

    user_locked_out.connect(_locked_out, dispatch_uid="audit_lockout")
    user_model = get_user_model()
    pre_save.connect(_user_before_save, sender=user_model, dispatch_uid="audit_user_pre")
    post_save.connect(_user_saved, sender=user_model, dispatch_uid="audit_user_post")
    post_save.connect(_grant_changed("added"), sender=UnitUserObjectPermission, dispatch_uid="audit_grant_add",
                      weak=False)
    post_delete.connect(_grant_changed("removed"), sender=UnitUserObjectPermission, dispatch_uid="audit_grant_rm",
                        weak=False)
    from django.contrib.admin.models import LogEntry

    post_save.connect(_admin_logged, sender=LogEntry, dispatch_uid="audit_admin_log")
    from django.apps import apps

    if apps.is_installed("django_otp"):
        post_save.connect(_mfa_changed("saved"), dispatch_uid="audit_mfa_save", weak=False)
        post_delete.connect(_mfa_changed("deleted"), dispatch_uid="audit_mfa_delete", weak=False)
