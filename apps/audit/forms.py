from django import forms

from apps.audit.selectors import AuditFilter
from apps.core.forms import DateInput


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label="操作人账号", max_length=150, required=False)
    unit = forms.RegexField(label="单位代码", regex=r"^\d{12}$", required=False,
                            error_messages={"invalid": "单位代码应为 12 位数字"})
    action = forms.CharField(label="操作", max_length=50, required=False,
                             widget=forms.TextInput(attrs={"list": "audit-actions"}),
                             help_text="完整操作名，或以“.”结尾的前缀，例如 auth.")
    date_from = forms.DateField(label="起始日期", required=False, widget=DateInput)
    date_to = forms.DateField(label="截止日期", required=False, widget=DateInput)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "截止日期不能早于起始日期")
        return data

    def to_filter(self) -> AuditFilter:
        d = self.cleaned_data
        return AuditFilter(actor=d["actor"].strip(), unit=d["unit"] or "", action=d["action"].strip(),
                           date_from=d["date_from"], date_to=d["date_to"])
