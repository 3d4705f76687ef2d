"""Pieces every API module shares."""

from datetime import date

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

from apps.core import dates

AS_OF_PARAM = OpenApiParameter("as_of", OpenApiTypes.DATE, description="评估日期 YYYY-MM-DD，默认今天")


def parse_as_of(value: str | None) -> date:
    """The ``as_of`` query parameter: today (Asia/Shanghai) when absent, 400 naming the field when bad."""
    try:
        return dates.parse_as_of(value)
    except ValueError as exc:
        raise ValidationError({"as_of": "日期格式应为 YYYY-MM-DD"}) from exc
