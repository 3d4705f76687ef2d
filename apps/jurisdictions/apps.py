from django.apps import AppConfig


class JurisdictionsConfig(AppConfig):
    name = "apps.jurisdictions"
    verbose_name = "行政区划"
