"""REST API for evidence: /api/v1/evidence/<kind>/ (list, create), /<pk>/ (retrieve, update,
soft delete), /<pk>/review/ and /api/v1/evidence/import/ (file upload).

Same validation as forms and imports (validation.validate_values), same access policy, same
services. Personal data is masked unless the caller has SUBMIT on the record's unit.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.access import Action, get_unit_or_404, units_for
from apps.evidence import selectors
from apps.evidence.importing import import_records
from apps.evidence.kinds import KINDS, get_kind
from apps.evidence.models import Source
from apps.evidence.records import display_values, values_of
from apps.evidence.services import (
    EvidenceError,
    record_create,
    record_review,
    record_soft_delete,
    record_update,
    today,
)
from apps.evidence.validation import validate_values


def _spec(kind: str):
    spec = get_kind(kind)
    if spec is None:
        raise NotFound("未知的记录类型")
    return spec


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


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
        "review_status": record.review_status,
        "review_note": record.review_note,
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
    raise ValidationError({exc.field or "non_field_errors": [exc.message]})


class RecordListView(APIView):
    """List records of a kind (filters: unit, date_from, date_to, status) or create one.

    Create body: {"unit_code": "...", <field>: <value>, ...} with the kind's field names."""

    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get(self, request, kind):
        spec = _spec(kind)
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

    def post(self, request, kind):
        spec = _spec(kind)
        values = _validated(spec, request.data, list(spec.fields))
        unit = get_unit_or_404(request.user, values["unit_code"], Action.SUBMIT)
        try:
            record = record_create(kind=kind, unit=unit, values=values, actor=request.user, source=Source.API)
        except EvidenceError as exc:
            _raise_service_error(exc)
        return Response(serialize(spec, record, request.user), status=status.HTTP_201_CREATED)


class RecordDetailView(APIView):
    """Retrieve, update (PUT/PATCH: fields merged over the stored ones) or soft-delete
    (DELETE with {"reason": "..."} or ?reason=...)."""

    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get(self, request, kind, pk):
        spec = _spec(kind)
        return Response(serialize(spec, selectors.record_for(request.user, spec, pk, Action.VIEW), request.user))

    def patch(self, request, kind, pk):
        spec = _spec(kind)
        record = self._for_change(request, spec, pk)
        current = {k: v for k, v in values_of(spec, record).items() if k != "unit_code"}
        merged = {**current, **{k: v for k, v in request.data.items() if k != "unit_code"}}
        values = _validated(spec, merged, spec.input_fields)
        try:
            record_update(record=record, values=values, actor=request.user)
        except EvidenceError as exc:
            _raise_service_error(exc)
        return Response(serialize(spec, record, request.user))

    put = patch

    def delete(self, request, kind, pk):
        spec = _spec(kind)
        record = self._for_change(request, spec, pk)
        reason = request.data.get("reason") or request.query_params.get("reason", "")
        try:
            record_soft_delete(record=record, actor=request.user, reason=reason)
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


class ReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["verify", "return"])
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class RecordReviewView(APIView):
    def post(self, request, kind, pk):
        spec = _spec(kind)
        record = selectors.record_for(request.user, spec, pk, Action.VIEW)
        body = ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            record_review(record=record, actor=request.user, decision=body.validated_data["decision"],
                          note=body.validated_data.get("note", ""))
        except DjangoPermissionDenied as exc:
            raise PermissionDenied("您没有审核该记录的权限") from exc
        except EvidenceError as exc:
            _raise_service_error(exc)
        return Response(serialize(spec, record, request.user))


class ImportView(APIView):
    """POST multipart: kind=<kind>, file=<.xlsx or .csv>. 201 with counts, or 400 with every error
    (row, column, message) and nothing saved."""

    parser_classes = [MultiPartParser]

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
                "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in result.errors]}
        return Response(body, status=status.HTTP_201_CREATED if result.ok else status.HTTP_400_BAD_REQUEST)
