from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Demo and synthetic data. The top layer: it may import every app, and no app imports it."""

    name = "apps.devtools"
    verbose_name = "演示与合成数据"
