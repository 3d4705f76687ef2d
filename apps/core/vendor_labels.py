"""Chinese names for the admin pages of third-party apps that ship no Chinese translation.

django-axes has no zh_Hans catalog: its model and field names are marked here so makemessages
keeps them in locale/zh_Hans/LC_MESSAGES/django.po, where the project's translation wins over
the package's English (LOCALE_PATHS come first). The app itself gets a Chinese verbose name.
"""

from axes.apps import AppConfig as _AxesConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

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
