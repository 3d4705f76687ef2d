"""REST API for evidence, one set of paths per kind (api_urls.py):

    /api/v1/evidence/<kind>/               GET list (filters unit, date_from, date_to, status), POST create
    /api/v1/evidence/<kind>/<id>/          GET, PUT/PATCH (fields merged over the stored ones), DELETE (soft)
    /api/v1/evidence/<kind>/<id>/review/   POST verify / return (county officials)
    /api/v1/evidence/import/               POST multipart file upload (all or nothing)

Same validation as forms and imports (validation.validate_values), same access policy, same
services. Every record response carries its revision (body ``revision``, header ``ETag: "<n>"``);
PUT/PATCH/DELETE may and a review must name the revision they were based on (``If-Match: "<n>"``
or a ``revision`` field): a stale one answers 409 and changes nothing, a review without one 428.
A create identical to a stored record answers 409 with the stored record's id. Personal data is masked unless the caller has SUBMIT on the record's unit. The
OpenAPI description (operation ids, request and response bodies per kind) comes from
serializers.py through KindSchema, so each kind is a documented contract of its own.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.access import Action, can, get_unit_or_404, units_for
from apps.core.pii import mask_text
from apps.evidence import selectors, serializers
from apps.evidence.importing import import_records
from apps.evidence.kinds import KINDS
from apps.evidence.models import Source
from apps.evidence.records import display_values, values_of
from apps.evidence.services import (
    AlreadyPresent,
    EvidenceError,
    InvalidTransition,
    PeriodConfirmed,
    StaleRecord,
    record_create,
    record_review,
    record_soft_delete,
    record_update,
    today,
)
from apps.evidence.validation import validate_values

_VALIDATION_ERROR = OpenApiResponse(OpenApiTypes.OBJECT, description="校验失败：{字段名: [\"列名：原因\", ...]}，未保存")
_FORBIDDEN = OpenApiResponse(serializers.ErrorSerializer, description="无此操作权限")
_NOT_FOUND = OpenApiResponse(serializers.ErrorSerializer, description="记录或单位不存在，或不在您的权限范围内")
_CONFLICT = OpenApiResponse(OpenApiTypes.OBJECT, description="冲突，未保存：{detail, code}；code 为 stale_revision"
                            "（记录已被修改或审核，版本已过期）、invalid_transition（当前状态不允许此操作）"
                            "或 already_present（与已有记录相同，id 为已有记录）")
_IF_MATCH = OpenApiParameter("If-Match", str, OpenApiParameter.HEADER,
                             description="所依据的记录修订号，即 GET 响应的 ETag（如 \"3\"）")


class KindSchema(AutoSchema):
    """OpenAPI description of a per-kind view: the view's ``describe(method)`` says which
    serializers, parameters and operation id each HTTP method has."""

    def _described(self) -> dict:
        return self.view.describe(self.method)

    def get_operation_id(self) -> str:
        return f"evidence_{self.view.kind}_{self._described()['operation']}"

    def get_request_serializer(self):
        return self._described().get("request")

    def get_response_serializers(self):
        return self._described()["responses"]

    def get_override_parameters(self):
        return self._described().get("parameters", [])

    def get_summary(self):
        return self._described().get("summary")

    def get_tags(self) -> list[str]:
        return ["evidence"]


class KindView(APIView):
    """Base of the per-kind views; ``kind`` is set per path in api_urls.py (as_view(kind=...))."""

    kind = ""
    schema = KindSchema()

    @property
    def spec(self):
        return KINDS[self.kind]


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def shown_note(record, reveal: bool) -> str:
    return record.review_note if reveal else mask_text(record.review_note)


def serialize(spec, record, user) -> dict:
    reveal = selectors.reveals_personal_data(user, record)
    shown = {name: value for name, _, value in display_values(spec, record, reveal=reveal)}
    raw = values_of(spec, record)
    # Enumerations as their stored value (labels apart), dates ISO, personal data masked unless revealed.
    fields = {f.name: _plain(raw[f.name] if f.choices or f.type in _TYPED else shown[f.name]) for f in spec.fields}
    return {
        "id": record.pk,
        "kind": spec.key,
        "unit_code": record.unit.code,
        "unit_name": record.unit.name,
        **fields,
        "labels": {f.name: shown[f.name] for f in spec.fields if f.choices},
        "revision": record.revision,
        "review_status": record.review_status,
        "review_note": shown_note(record, reveal),
        "source": record.source,
        "created_by": record.created_by.username if record.created_by else None,
        "created_at": record.created_at.isoformat(),
        "deleted": record.deleted_at is not None,
        "delete_reason": record.delete_reason,
    }


_TYPED = ("date", "datetime", "decimal", "int")


def _validated(spec, data, fields) -> dict:
    cleaned, errors = validate_values(spec, data, today=today(), fields=fields)
    if errors:
        detail: dict[str, list[str]] = {}
        for e in errors:
            detail.setdefault(e.field, []).append(f"{e.column}：{e.message}")
        raise ValidationError(detail)
    return cleaned


def _raise_service_error(exc: EvidenceError):
    if isinstance(exc, AlreadyPresent):
        raise Conflict({"detail": exc.message, "code": "already_present", "id": exc.record_id})
    if isinstance(exc, PeriodConfirmed):
        raise Conflict({"detail": exc.message, "code": "period_confirmed"})
    if isinstance(exc, StaleRecord | InvalidTransition):
        code = "stale_revision" if isinstance(exc, StaleRecord) else "invalid_transition"
        raise Conflict({"detail": exc.message, "code": code})
    raise ValidationError({exc.field or "non_field_errors": [exc.message]})


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "与记录的当前状态冲突"
    default_code = "conflict"


class RevisionRequired(APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = "请在 If-Match 头（或请求体的 revision 字段）中给出您所审核的记录版本"
    default_code = "revision_required"


def based_on(request) -> int | None:
    """The revision a change was based on: ``If-Match: "3"`` (or W/"3"), else a ``revision``
    field; None when neither is given (``If-Match: *`` too)."""
    header = request.headers.get("If-Match", "").strip()
    raw = header.removeprefix("W/").strip('"') if header and header != "*" else request.data.get("revision")
    if raw in (None, ""):
        return None
    try:
        value = int(str(raw))
    except ValueError:
        value = 0
    if value < 1:
        raise ValidationError({"revision": ["版本号应为正整数（响应头 ETag 或字段 revision 的值）"]})
    return value


def _with_etag(response: Response, record) -> Response:
    response["ETag"] = f'"{record.revision}"'
    return response


_LIST_PARAMETERS = [
    OpenApiParameter("unit", str, description="单位代码：只列出该单位及其下级的记录"),
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="起始日期（含），按该类记录的日期字段"),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="截止日期（含）"),
    OpenApiParameter("status", str, enum=["submitted", "verified", "returned", "deleted"],
                     description="submitted 已提交 / verified 已审核 / returned 已退回 / deleted 已删除；"
                                 "不填则为全部未删除记录"),
    OpenApiParameter("limit", int, description="每页条数，默认 50"),
    OpenApiParameter("offset", int, description="跳过的条数"),
]


class RecordListView(KindView):
    """List records of a kind (filters: unit, date_from, date_to, status) or create one.

    Create body: {"unit_code": "...", <field>: <value>, ...} with the kind's field names."""

    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def describe(self, method: str) -> dict:
        label = self.spec.label
        if method == "GET":
            return {"operation": "list", "summary": f"列出{label}记录", "parameters": _LIST_PARAMETERS,
                    "responses": {200: serializers.record_page_serializer(self.kind), 400: _VALIDATION_ERROR,
                                  404: _NOT_FOUND}}
        return {"operation": "create", "summary": f"新增{label}记录（状态为已提交）",
                "request": serializers.record_create_serializer(self.kind),
                "responses": {201: serializers.record_serializer(self.kind), 400: _VALIDATION_ERROR, 404: _NOT_FOUND,
                              409: _CONFLICT}}

    def get(self, request):
        spec = self.spec
        params = request.query_params
        under = get_unit_or_404(request.user, params["unit"], Action.VIEW) if params.get("unit") else None
        try:
            date_from = date.fromisoformat(params["date_from"]) if params.get("date_from") else None
            date_to = date.fromisoformat(params["date_to"]) if params.get("date_to") else None
        except ValueError as exc:
            raise ValidationError({"date": ["日期格式应为 YYYY-MM-DD"]}) from exc
        qs = selectors.records_for(request.user, spec, under=under, date_from=date_from, date_to=date_to,
                                   status=params.get("status", ""))
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response([serialize(spec, r, request.user) for r in page])

    def post(self, request):
        spec = self.spec
        values = _validated(spec, request.data, list(spec.fields))
        unit = get_unit_or_404(request.user, values["unit_code"], Action.SUBMIT)
        try:
            record = record_create(kind=self.kind, unit=unit, values=values, actor=request.user, source=Source.API)
        except EvidenceError as exc:
            _raise_service_error(exc)
        return _with_etag(Response(serialize(spec, record, request.user), status=status.HTTP_201_CREATED), record)


class RecordDetailView(KindView):
    """Retrieve, update (PUT/PATCH: fields merged over the stored ones) or soft-delete
    (DELETE with {"reason": "..."} or ?reason=...)."""

    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def describe(self, method: str) -> dict:
        label, record = self.spec.label, serializers.record_serializer(self.kind)
        changed = {200: record, 400: _VALIDATION_ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND, 409: _CONFLICT}
        return {
            "GET": {"operation": "retrieve", "summary": f"查看一条{label}记录",
                    "responses": {200: record, 404: _NOT_FOUND}},
            "PUT": {"operation": "update", "summary": f"修改{label}记录（与 PATCH 相同：只改给出的字段）",
                    "request": serializers.record_update_serializer(self.kind), "responses": changed,
                    "parameters": [_IF_MATCH]},
            "PATCH": {"operation": "partial_update", "summary": f"修改{label}记录（只改给出的字段）",
                      "request": serializers.record_update_serializer(self.kind), "responses": changed,
                      "parameters": [_IF_MATCH]},
            "DELETE": {"operation": "destroy", "summary": f"软删除{label}记录（须说明原因）",
                       "parameters": [OpenApiParameter("reason", str, description="删除原因（也可放在请求体中）"),
                                      _IF_MATCH],
                       "responses": {204: None, 400: _VALIDATION_ERROR, 403: _FORBIDDEN, 404: _NOT_FOUND,
                                     409: _CONFLICT}},
        }[method]

    def get(self, request, pk):
        spec = self.spec
        record = selectors.record_for(request.user, spec, pk, Action.VIEW)
        return _with_etag(Response(serialize(spec, record, request.user)), record)

    def patch(self, request, pk):
        spec = self.spec
        record = self._for_change(request, spec, pk)
        current = {k: v for k, v in values_of(spec, record).items() if k != "unit_code"}
        revision = based_on(request)
        merged = {**current, **{k: v for k, v in request.data.items() if k not in ("unit_code", "revision")}}
        values = _validated(spec, merged, spec.input_fields)
        try:
            record_update(record=record, values=values, actor=request.user, based_on=revision)
        except EvidenceError as exc:
            _raise_service_error(exc)
        return _with_etag(Response(serialize(spec, record, request.user)), record)

    put = patch

    def delete(self, request, pk):
        spec = self.spec
        record = self._for_change(request, spec, pk)
        reason = request.data.get("reason") or request.query_params.get("reason", "")
        try:
            record_soft_delete(record=record, actor=request.user, reason=reason, based_on=based_on(request))
        except EvidenceError as exc:
            _raise_service_error(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _for_change(self, request, spec, pk):
        record = selectors.record_for(request.user, spec, pk, Action.VIEW)
        try:
            selectors.record_for(request.user, spec, pk, Action.SUBMIT)
        except Http404 as exc:
            raise PermissionDenied("您没有修改该记录的权限") from exc
        return record


class RecordReviewView(KindView):
    """County officials verify a record, or return it with a reason (note)."""

    def describe(self, method: str) -> dict:
        return {"operation": "review", "summary": f"审核{self.spec.label}记录：通过或退回",
                "request": serializers.ReviewSerializer, "parameters": [_IF_MATCH],
                "responses": {200: serializers.record_serializer(self.kind), 400: _VALIDATION_ERROR, 403: _FORBIDDEN,
                              404: _NOT_FOUND, 409: _CONFLICT,
                              428: OpenApiResponse(serializers.ErrorSerializer, description="缺少所审核的修订号")}}

    def post(self, request, pk):
        spec = self.spec
        record = selectors.record_for(request.user, spec, pk, Action.VIEW)
        body = serializers.ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        revision = based_on(request)
        try:
            if revision is None and can(request.user, Action.VERIFY, record.unit):
                raise RevisionRequired()
            record_review(record=record, actor=request.user, decision=body.validated_data["decision"],
                          note=body.validated_data.get("note", ""), based_on=revision)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied("您没有审核该记录的权限") from exc
        except EvidenceError as exc:
            _raise_service_error(exc)
        return _with_etag(Response(serialize(spec, record, request.user)), record)


class ImportView(APIView):
    """POST multipart: kind=<kind>, file=<.xlsx or .csv>. 201 with counts, or 400 with every error
    (row, column, message) and nothing saved."""

    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="evidence_import", tags=["evidence"], summary="导入填好的模板（全部通过才保存）",
        request={"multipart/form-data": serializers.ImportRequestSerializer},
        responses={201: serializers.ImportResultSerializer,
                   400: OpenApiResponse(serializers.ImportResultSerializer, description="有错误，未保存任何数据"),
                   403: _FORBIDDEN},
    )
    def post(self, request):
        if not units_for(request.user, Action.SUBMIT).exists():
            raise PermissionDenied("您没有填报权限")
        kind = request.data.get("kind")
        upload = request.FILES.get("file")
        if kind not in KINDS or upload is None:
            raise ValidationError({"kind": [f"应为：{'、'.join(KINDS)}"], "file": ["请上传文件"]})
        result = import_records(kind=kind, data=upload.read(), actor=request.user, filename=upload.name)
        body = {"kind": kind, "rows": result.rows, "created": result.created, "skipped": result.skipped,
                "teams_created": result.teams_created,
                "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in result.errors],
                "warnings": result.warnings}
        return Response(body, status=status.HTTP_201_CREATED if result.ok else status.HTTP_400_BAD_REQUEST)
