"""JSON API of evaluations: /api/v1/units/<code>/evaluation/, /snapshots/, /overdue/.

Every endpoint goes through the access policy: a unit outside the caller's jurisdiction is a 404.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.access import Action, get_unit_or_404
from apps.compliance import exports, selectors
from apps.compliance.serializers import (
    OverdueReportSerializer,
    ReportingSerializer,
    UnitEvaluationSerializer,
    UnitSnapshotsSerializer,
)
from apps.core.api import AS_OF_PARAM, parse_as_of
from apps.core.dates import PERIOD_HELP, parse_period


class UnitEvaluationView(APIView):
    """The evaluation of a unit as of ``?as_of=YYYY-MM-DD`` (default today)."""

    @extend_schema(operation_id="unit_evaluation", parameters=[AS_OF_PARAM],
                   responses={200: UnitEvaluationSerializer, 404: OpenApiResponse(description="单位不存在或无权查看")})
    def get(self, request, code):
        unit = get_unit_or_404(request.user, code, Action.VIEW)
        as_of = parse_as_of(request.query_params.get("as_of"))
        return Response(selectors.evaluate_unit(unit, as_of).to_dict())


class UnitSnapshotsView(APIView):
    """Stored dated snapshots of a unit, newest first (score, grade, status counts)."""

    @extend_schema(operation_id="unit_snapshots",
                   responses={200: UnitSnapshotsSerializer, 404: OpenApiResponse(description="单位不存在或无权查看")})
    def get(self, request, code):
        unit = get_unit_or_404(request.user, code, Action.VIEW)
        rows = [
            {"as_of": s.as_of.isoformat(), "score": s.score, "grade": s.grade, "counts": s.counts,
             "computed_at": s.computed_at.isoformat()}
            for s in selectors.snapshots_for(unit)
        ]
        return Response({"unit": unit.code, "snapshots": rows})


class _ReportRenderer(BaseRenderer):
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if not isinstance(data, dict) or "tasks" not in data:  # an error response
            return JSONRenderer().render(data)
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Disposition"] = f'attachment; filename="{exports.filename(data, self.format)}"'
        return self.build(data)


class OverdueCSVRenderer(_ReportRenderer):
    media_type = "text/csv"
    format = "csv"

    def build(self, data):
        return exports.overdue_csv(data)


class OverdueXLSXRenderer(_ReportRenderer):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"

    def build(self, data):
        return exports.overdue_xlsx(data)


class UnitOverdueView(APIView):
    """Overdue, non-compliant and due-soon tasks of the unit's subtree; ``?format=csv|xlsx``
    downloads the same report."""

    renderer_classes = [JSONRenderer, OverdueCSVRenderer, OverdueXLSXRenderer]

    @extend_schema(
        operation_id="unit_overdue_report",
        parameters=[AS_OF_PARAM, OpenApiParameter("format", str, enum=["json", "csv", "xlsx"],
                                                  description="csv / xlsx 下载同一报告（需导出权限）。xlsx 供人查阅：代码为文本单元格、"
                                                              "截止日期为日期单元格、逾期天数为数字；csv 供系统对接"
                                                              "（UTF-8 含 BOM）")],
        responses={200: OverdueReportSerializer, 404: OpenApiResponse(description="单位不存在或无权查看")},
    )
    def get(self, request, code):
        unit = get_unit_or_404(request.user, code, Action.VIEW)
        as_of = parse_as_of(request.query_params.get("as_of"))
        if getattr(request, "accepted_renderer", None) and request.accepted_renderer.format in ("csv", "xlsx"):
            get_unit_or_404(request.user, code, Action.EXPORT)
        return Response(selectors.overdue_report(unit, as_of))


PERIOD_PARAM = OpenApiParameter("period", str, description="2026、2026Q3 或 2026-07（默认今年）")


class UnitReportingView(APIView):
    """Reporting completeness and timeliness (报送率、及时率) of the unit's subtree for a period:
    the JSON of ``manage.py completeness_report`` (docs/semantics.md §13)."""

    @extend_schema(operation_id="unit_reporting", parameters=[PERIOD_PARAM],
                   responses={200: ReportingSerializer, 400: OpenApiResponse(description="期间格式错误"),
                              404: OpenApiResponse(description="单位不存在或无权查看")})
    def get(self, request, code):
        unit = get_unit_or_404(request.user, code, Action.VIEW)
        period = (request.query_params.get("period") or str(timezone.localdate().year)).strip()
        try:
            parse_period(period)
        except ValueError:
            raise ValidationError({"period": [PERIOD_HELP]}) from None
        return Response(selectors.completeness_report(unit, period, timezone.localdate()))
