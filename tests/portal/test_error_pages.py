"""Error pages in Chinese: 403, 404, 500 and the CSRF failure page (no 「DEBUG＝True」)."""

import pytest
from django.test import Client
from django.urls import reverse


def test_it_answers_404_in_chinese(client_for, people, settings):
    settings.DEBUG = False
    html = client_for(people["county"]).get("/no-such-page/").content.decode()
    assert "页面不存在（404）" in html and "Not Found" not in html


def test_it_answers_a_csrf_failure_in_chinese_without_debug_advice(people, settings):
    settings.DEBUG = True  # the demo runs with DEBUG: the page must not tell people to set it
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["county"])
    response = client.post(reverse("portal:supervise", args=["140121100000"]), {"text": "x"})
    html = response.content.decode()
    assert response.status_code == 403
    text = html[html.index("<main"):html.index("</main>")]
    assert "页面已过期，请重新提交" in text and "DEBUG" not in text and "CSRF" not in text


@pytest.mark.parametrize("name", ["403.html", "500.html"])
def test_the_other_error_templates_are_chinese(name):
    from django.template.loader import render_to_string

    html = render_to_string(name)
    assert ("无权访问" if name == "403.html" else "系统暂时出错") in html
