from django import forms
from django.utils import timezone

from apps.core.forms import DateInput

MAX_VERIFY_BYTES = 20 * 1024 * 1024


def _today():
    return timezone.localdate()


class ScorecardForm(forms.Form):
    unit = forms.CharField(label="单位", max_length=12)
    as_of = forms.DateField(label="评估基准日", initial=_today, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Scorecards and seals are refused for future dates (services._refuse_future).
        self.fields["as_of"].widget.attrs["max"] = _today().isoformat()

    def clean_unit(self):
        code = self.cleaned_data["unit"].strip()
        if not (len(code) == 12 and code.isdigit()):
            raise forms.ValidationError("请选择单位（12 位区划代码）。")
        return code


class SealForm(ScorecardForm):
    note = forms.CharField(label="说明", max_length=300, required=False)


class VerifyUploadForm(forms.Form):
    file = forms.FileField(label="评分卡 PDF 文件")

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > MAX_VERIFY_BYTES:
            raise forms.ValidationError("文件过大（上限 20 MB）。")
        return f


class VerifyLookupForm(forms.Form):
    code = forms.CharField(label="核验码", max_length=12)
