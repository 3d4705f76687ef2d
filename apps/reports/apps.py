from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "apps.reports"
    verbose_name = "报告与评分卡"

    def ready(self):
        from django.core import checks

        from apps.reports.fonts import check_cjk_font

        checks.register(check_cjk_font, "reports")
