from django import forms
from django.conf import settings


class ImportForm(forms.Form):
    file = forms.FileField(label="CSV 文件", help_text="表头：code,name,level,parent_code,flags,tracking_start")

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError("文件过大")
        return f
