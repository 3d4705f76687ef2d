from datetime import date

from django import forms

from apps.core.forms import DateInput
from apps.jurisdictions.codes import FLAG_CHOICES
from apps.portal.selectors import STATUS_FILTERS
from apps.portal.services import SUPERVISION_MAX_CHARS


class SupervisionForm(forms.Form):
    requirement_code = forms.CharField(label="相关要求", max_length=60, required=False)
    due_on = forms.DateField(label="办理时限", required=False, widget=DateInput())
    text = forms.CharField(
        label="督办内容", max_length=SUPERVISION_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "例如：请于本月底前完成年度综合演练并上传记录。"}),
    )


class DashboardFilterForm(forms.Form):
    as_of = forms.DateField(label="截至日期", required=False, widget=DateInput())
    flag = forms.ChoiceField(label="风险标识", required=False, choices=[("", "全部")] + FLAG_CHOICES)
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部")] + list(STATUS_FILTERS.items()))

    def clean_as_of(self):
        value = self.cleaned_data.get("as_of")
        if value and not (date(2000, 1, 1) <= value <= date(2100, 12, 31)):
            raise forms.ValidationError("日期超出范围")
        return value


class OverdueFilterForm(forms.Form):
    as_of = forms.DateField(label="截至日期", required=False, widget=DateInput())
    status = forms.ChoiceField(
        label="状态", required=False,
        choices=[("", "全部"), ("overdue", "已逾期"), ("non_compliant", "未达标"), ("due_soon", "即将到期")],
    )
    # Drop-downs of names and titles; the values stay the unit's code prefix and the requirement
    # code, so links from the dashboard (?unit=<prefix>, ?requirement=<code>) keep working.
    unit = forms.ChoiceField(label="乡镇（街道）", required=False)
    requirement = forms.ChoiceField(label="要求", required=False)
    sort = forms.ChoiceField(
        label="排序", required=False,
        choices=[("days", "逾期天数"), ("due", "截止日期"), ("unit", "单位"), ("requirement", "要求")],
    )

    def __init__(self, *args, units=(), requirements=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "全部")] + list(units)
        self.fields["requirement"].choices = [("", "全部")] + list(requirements)
