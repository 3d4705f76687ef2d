"""Chinese names for the admin pages of third-party apps that ship no Chinese translation.

django-axes has no zh_Hans catalog: its model and field names are marked here so makemessages
keeps them in locale/zh_Hans/LC_MESSAGES/django.po, where the project's translation wins over
the package's English (LOCALE_PATHS come first). The app itself gets a Chinese verbose name.

django-otp and django-celery-beat write some model and field names as plain strings, which no
catalog reaches. ``mark_translatable`` wraps them in gettext_lazy at start-up, so the same .po
translates them. It changes no migration state: the migration autodetector reads a model's
``original_attrs`` and a field's ``_verbose_name``, and makemigrations runs with translations
off, so a lazy help text equals the package's English there.
"""

from axes.apps import AppConfig as _AxesConfig
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from django_celery_beat.apps import BeatConfig as _BeatConfig
from django_otp.plugins.otp_static.apps import DefaultConfig as _StaticConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as _TotpConfig
from guardian.apps import GuardianConfig as _GuardianConfig

AXES_STRINGS = [
    gettext_noop("Access Attempt"), gettext_noop("Access lock out"), gettext_noop("Attempt Remaining"),
    gettext_noop("Attempt Time"), gettext_noop("Clean up expired attempts"), gettext_noop("Expires At"),
    gettext_noop("Failed Logins"), gettext_noop("Form Data"), gettext_noop("GET Data"), gettext_noop("HTTP Accept"),
    gettext_noop("IP Address"), gettext_noop("Locked Out"), gettext_noop("Logout Time"), gettext_noop("Meta Data"),
    gettext_noop("Not set"), gettext_noop("POST Data"), gettext_noop("Path"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("The time when access attempt expires and is no longer valid."), gettext_noop("User Agent"),
    gettext_noop("access attempt expiration"), gettext_noop("access attempt expirations"),
    gettext_noop("access attempt"), gettext_noop("access attempts"), gettext_noop("access failure"),
    gettext_noop("access failures"), gettext_noop("access log"), gettext_noop("access logs"),
]


class AxesConfig(_AxesConfig):
    verbose_name = _("登录失败与锁定")


def mark_translatable(app_config) -> None:
    """Route the plain-English model, field and help texts of a third-party app through the catalog."""
    for model in app_config.get_models():
        opts = model._meta
        name, plural = opts.verbose_name, opts.original_attrs.get("verbose_name_plural")
        if plural is None and isinstance(name, str):  # Django's default plural, formatted lazily
            plural = f"{name}s"
        for attr, value in (("verbose_name", name), ("verbose_name_plural", plural)):
            if isinstance(value, str):
                setattr(opts, attr, _(value))
        for field in opts.local_fields + opts.local_many_to_many:
            if field.verbose_name and not isinstance(field.verbose_name, Promise):
                field.verbose_name = _(field.verbose_name)
            if field.help_text and not isinstance(field.help_text, Promise):
                field.help_text = _(field.help_text)


class _Translatable:
    def ready(self):
        super().ready()
        mark_translatable(self)


class OtpTotpConfig(_Translatable, _TotpConfig):
    verbose_name = _("动态口令")


class OtpStaticConfig(_Translatable, _StaticConfig):
    verbose_name = _("备用验证码")


class CeleryBeatConfig(_Translatable, _BeatConfig):
    pass


class GuardianConfig(_Translatable, _GuardianConfig):
    verbose_name = _("对象权限")
