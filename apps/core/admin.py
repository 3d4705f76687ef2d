"""The admin pages of third-party models, in Chinese.

django-otp, django-axes and django-celery-beat write some labels as plain English in their admin classes
(fieldset titles, search help, computed columns) where no catalog can reach them; these
subclasses replace those labels and are registered in place of the packages' own. Model and
field names are made translatable in apps/core/vendor_labels.py; the Chinese is in
locale/zh_Hans/LC_MESSAGES/django.po.
"""

from axes.admin import AccessAttemptAdmin as BaseAccessAttemptAdmin
from axes.models import AccessAttempt
from cron_descriptor import Options, get_description
from django.contrib import admin
from django.contrib.admin.templatetags import admin_list
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext
from django_celery_beat.admin import CrontabScheduleAdmin as BaseCrontabAdmin
from django_celery_beat.admin import PeriodicTaskAdmin as BasePeriodicTaskAdmin
from django_celery_beat.models import CrontabSchedule, PeriodicTask
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin as BaseStaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin as BaseTOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice


def _boolean_icon(field_val):
    """Django's yes/no icon, with its alt text translated: Django writes alt="True" / "False"
    (admin_list._boolean_icon), which a screen reader reads out in English. Every caller imports
    it from admin_list when it runs, so replacing the module attribute is enough."""
    icon, text = {True: ("yes", "Yes"), False: ("no", "No"), None: ("unknown", "Unknown")}[field_val]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{icon}.svg"), gettext(text))


admin_list._boolean_icon = _boolean_icon

FIELDSET_TITLES = {"Identity": "设备", "Timestamps": "时间", "Configuration": "参数", "State": "状态",
                   "Throttling": "失败限制"}
DEVICE_SEARCH_HELP = "按用户名或电子邮件地址搜索"


def _chinese_fieldsets(fieldsets):
    return [(FIELDSET_TITLES.get(title, title), options) for title, options in fieldsets]


class TOTPDeviceAdmin(BaseTOTPDeviceAdmin):
    search_help_text = DEVICE_SEARCH_HELP

    def get_fieldsets(self, request, obj=None):
        return _chinese_fieldsets(super().get_fieldsets(request, obj))

    @admin.display(description="二维码")
    def qrcode_link(self, device):
        return super().qrcode_link(device)


class StaticDeviceAdmin(BaseStaticDeviceAdmin):
    search_help_text = DEVICE_SEARCH_HELP
    fieldsets = _chinese_fieldsets(BaseStaticDeviceAdmin.fieldsets)


def cron_in_chinese(crontab: CrontabSchedule) -> str:
    """The schedule in words ("在 02:00"); the package's own text follows the server's locale."""
    options = Options()
    options.locale_code, options.use_24hour_time_format = "zh_CN", True
    expression = " ".join((crontab.minute, crontab.hour, crontab.day_of_month, crontab.month_of_year,
                           crontab.day_of_week))
    try:
        return get_description(expression, options)
    except Exception:  # an expression cron_descriptor cannot read: show it as it is
        return expression


class CrontabScheduleAdmin(BaseCrontabAdmin):
    list_display = ("__str__", "in_words")
    fields = ("in_words", *(f for f in BaseCrontabAdmin.fields if f != "human_readable"))
    readonly_fields = ("in_words",)

    @admin.display(description="执行时间")
    def in_words(self, obj):
        return cron_in_chinese(obj) if obj.pk else ""


class PeriodicTaskAdmin(BasePeriodicTaskAdmin):
    @admin.display(description="调度方式")
    def scheduler(self, obj):
        return obj.scheduler

    @admin.display(description="执行时间")
    def crontab_translation(self, obj):
        return cron_in_chinese(obj.crontab) if obj.crontab_id else ""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The package's view puts the English schedule texts into the page's script; skip it.
        extra_context = {**(extra_context or {}), "readable_crontabs": {
            c.id: cron_in_chinese(c) for c in CrontabSchedule.objects.all()}}
        return admin.ModelAdmin.changeform_view(self, request, object_id, form_url, extra_context)


class AccessAttemptAdmin(BaseAccessAttemptAdmin):
    @admin.display(description="状态")
    def status(self, obj):
        return super().status(obj)

    @admin.display(description="失效时间")
    def expiration(self, obj):
        return super().expiration(obj)


for _model, _admin in ((AccessAttempt, AccessAttemptAdmin), (TOTPDevice, TOTPDeviceAdmin), (StaticDevice, StaticDeviceAdmin),
                       (CrontabSchedule, CrontabScheduleAdmin), (PeriodicTask, PeriodicTaskAdmin)):
    admin.site.unregister(_model)
    admin.site.register(_model, _admin)
