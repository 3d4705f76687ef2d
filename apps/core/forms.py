"""Form pieces shared by every app."""

from django import forms


class DateInput(forms.DateInput):
    """A browser date picker. Its value must be ISO (YYYY-MM-DD) whatever the locale's display
    format: with zh-hans Django would render 2026/11/23, which the picker rejects as empty."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")
