"""The admin in Chinese: title, and the models of django-axes (which has no Chinese catalog)."""

from django.urls import reverse


def test_it_titles_the_admin_in_chinese(client_for, people):
    html = client_for(people["security_admin"]).get(reverse("admin:index")).content.decode()
    assert "应急合规 后台管理" in html and "Django administration" not in html and "Site administration" not in html


def test_it_names_the_lockout_models_in_chinese():
    from axes.models import AccessAttempt
    from django.apps import apps
    from django.utils import translation

    with translation.override("zh-hans"):
        assert str(AccessAttempt._meta.verbose_name_plural) == "登录尝试"
        assert str(AccessAttempt._meta.get_field("ip_address").verbose_name) == "IP 地址"
        assert str(apps.get_app_config("axes").verbose_name) == "登录失败与锁定"
