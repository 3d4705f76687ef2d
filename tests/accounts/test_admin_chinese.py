"""The admin in Chinese: the title, every model, column header, field label, help text and
permission name, including those of third-party apps (django-axes, django-otp, django-celery-beat,
django-guardian), which ship no or partial Chinese catalogs (apps/core/vendor_labels.py)."""

import re
from datetime import date
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import translation

from apps.accounts.models import User

# Acronyms and product names that stay as they are in Chinese technical prose.
ALLOWED_WORDS = {"Accept", "Celery", "Cron", "Excel", "Redis", "RabbitMQ", "Webhook"}
WORD = re.compile(r"[A-Za-z][A-Za-z']+")
# Labels in attributes that a browser shows (tooltips, placeholders) or reads out.
SHOWN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
# Elements whose text is data, not a label: list rows, choices, values shown read-only, code.
DATA_ELEMENTS = {"option", "textarea", "code", "pre", "script", "style", "template"}
DATA_CLASSES = {"readonly", "timezonewarning", "datetimeshortcuts"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def english_words(text: str) -> set[str]:
    """ASCII words in a label that are not an acronym (all capitals) or an allowed name."""
    return {w for w in WORD.findall(text) if not w.isupper() and w not in ALLOWED_WORDS}


class VisibleLabels(HTMLParser):
    """The label text of an admin page: everything shown except data (list rows, choices, values)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element: is it (inside) data?
        self.labels: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        inside = bool(self.stack and self.stack[-1])
        classes = set((attrs.get("class") or "").split())
        data = inside or tag in DATA_ELEMENTS or bool(classes & DATA_CLASSES) or (
            tag == "tbody" and self._in_results) or attrs.get("id") == "result_list_rows"
        if not data:
            self.labels += [v for k, v in attrs.items() if k in SHOWN_ATTRIBUTES and v]
        if tag == "table" and attrs.get("id") == "result_list":
            self._in_results = True
        if tag not in VOID:
            self.stack.append(data)

    _in_results = False

    def handle_endtag(self, tag):
        if tag not in VOID and self.stack:
            self.stack.pop()
        if tag == "table":
            self._in_results = False

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]) and data.strip():
            self.labels.append(data)


def english_on(html: str, data_strings) -> set[str]:
    parser = VisibleLabels()
    parser.feed(html)
    text = "\n".join(parser.labels)
    for value in sorted(data_strings, key=len, reverse=True):  # names of the objects shown are data
        text = text.replace(value, " ")
    return english_words(text)


@pytest.fixture
def admin_rows(people, units):
    """At least one row of every model in the admin, so its change page can be opened."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from apps.accounts.services import api_token_create
    from apps.compliance import services as compliance
    from apps.policies.services import load_catalog

    load_catalog()
    county = units["140121000000"]
    compliance.county_report_build(county=county, as_of=date(2026, 6, 30))
    AccessAttempt.objects.create(username="county", ip_address="10.0.0.1", user_agent="浏览器",
                                 failures_since_start=1, get_data="", post_data="", http_accept="", path_info="/")
    AccessLog.objects.create(username="county", ip_address="10.0.0.1", user_agent="浏览器", http_accept="",
                             path_info="/")
    AccessFailureLog.objects.create(username="county", ip_address="10.0.0.1", user_agent="浏览器",
                                    http_accept="", path_info="/", locked_out=False)
    TOTPDevice.objects.create(user=people["county"], name="手机", confirmed=True)
    StaticDevice.objects.create(user=people["county"], name="备用码", confirmed=True)
    api_token_create(user=people["county"], name="省级平台对接", actor=people["security_admin"])


def admin_pages(model):
    opts = model._meta
    yield reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    yield reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    obj = model._default_manager.order_by("pk").first()
    if obj is not None:
        yield reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def test_it_titles_the_admin_in_chinese(client_for, people):
    html = client_for(people["security_admin"]).get(reverse("admin:index")).content.decode()
    assert "应急合规 后台管理" in html and "Django administration" not in html and "Site administration" not in html


def test_it_shows_every_admin_page_in_chinese(people, admin_rows):
    client = Client(raise_request_exception=False)
    data = {str(u) for u in User.objects.all()} | {u.username for u in User.objects.all()}
    for model in admin.site._registry:  # the rows' names (a periodic task's "audit-prune") are data too
        for obj in model._default_manager.all()[:50]:
            data |= {str(obj), *(str(getattr(obj, f, "")) for f in ("name", "task") if getattr(obj, f, ""))}
    english, seen = {}, set()
    for role in ("admin", "security_admin", "audit_admin"):
        client.force_login(people[role], backend="django.contrib.auth.backends.ModelBackend")
        pages = [reverse("admin:index")]
        for model in admin.site._registry:
            pages += list(admin_pages(model))
        for url in pages:
            response = client.get(url)
            if response.status_code != 200:
                continue
            seen.add(url)
            words = english_on(response.content.decode(), data)
            if words:
                english[f"{role} {url}"] = sorted(words)
    assert not english, english
    # Every model an administrator may reach was looked at (auth.Group is reachable by no role).
    unseen = [m._meta.label for m in admin.site._registry if m._meta.label != "auth.Group" and not any(
        url.startswith(f"/admin/{m._meta.app_label}/{m._meta.model_name}/") for url in seen)]
    assert not unseen


def test_it_names_the_lockout_models_in_chinese():
    from axes.models import AccessAttempt
    from django.apps import apps
    from django.utils import translation

    with translation.override("zh-hans"):
        assert str(AccessAttempt._meta.verbose_name_plural) == "登录尝试"
        assert str(AccessAttempt._meta.get_field("ip_address").verbose_name) == "IP 地址"
        assert str(apps.get_app_config("axes").verbose_name) == "登录失败与锁定"


def test_it_names_every_permission_in_chinese(db, rf):
    from django.contrib.auth.models import Group, Permission

    from apps.accounts.permission_names import rename_permissions

    assert Permission.objects.get(codename="add_user").name == "可添加用户"
    assert Permission.objects.get(codename="view_apitoken").name == "可查看 API 令牌"
    assert Permission.objects.get(codename="delete_totpdevice").name == "可删除动态口令设备"
    assert Permission.objects.get(codename="govern_unit").name == "县级管理：查看、审核、督办辖区"
    with translation.override("zh-hans"):
        english = {str(p): english_words(str(p)) for p in Permission.objects.select_related("content_type")}
        # The admin's permission widget (the group form) lists them as "应用 | 模型 | 权限".
        request = rf.get("/admin/auth/group/add/")
        form = admin.site._registry[Group].get_form(request)()
        widget = str(form["permissions"])
    assert not {name: words for name, words in english.items() if words}
    assert "账户与权限 | 用户 | 可添加用户" in widget and not english_on(widget, ())
    # A rename in code follows at the next migrate; nothing is left to rename after one.
    Permission.objects.filter(codename="add_user").update(name="Can add user")
    from django.apps import apps
    assert rename_permissions(apps.get_app_config("accounts")) == 1
    assert rename_permissions(apps.get_app_config("accounts")) == 0
