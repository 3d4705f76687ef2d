"""A no-data result that deducts its points says so: grey must not read as harmless (issue 11, 6)."""

from django.template import Context, Template

from apps.compliance.results import Status, status_text


def _badge(status, deducts):
    return Template("{% load portal_tags %}{% status_badge status deducts %}").render(
        Context({"status": status, "deducts": deducts}))


def test_it_labels_a_deducting_no_data_result_as_such():
    assert "无数据（扣分）" in _badge(Status.NO_DATA, True)
    assert status_text(Status.NO_DATA, True) == "无数据（扣分）"


def test_it_keeps_the_plain_label_where_no_data_deducts_nothing():
    html = _badge(Status.NO_DATA, False)
    assert "无数据" in html and "扣分" not in html
    assert "扣分" not in _badge(Status.OVERDUE, True)
