"""Read-only JSON API of the policy catalog, under /api/v1/.

* ``policies/documents/`` and ``policies/documents/<code>/``: documents, with clause texts in detail;
* ``policies/requirements/`` and ``policies/requirements/<code>/``: requirements with every version
  and its citations (``?topic=`` filters);
* ``policies/duties/``: duties (履职事项) per level with their clause;
* ``units/<code>/requirements/?as_of=``: what applies to one unit and why.

The catalog is public law: any logged-in user may read it (the DRF default IsAuthenticated).
The per-unit view asks the access policy for the unit: outside the caller's jurisdiction is a 404.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.access import Action, get_unit_or_404
from apps.core.api import AS_OF_PARAM, parse_as_of
from apps.policies import selectors
from apps.policies.models import Document, Topic
from apps.policies.serializers import (
    ApplicabilitySerializer,
    DocumentDetailSerializer,
    DocumentSerializer,
    DutySerializer,
    RequirementSerializer,
)

NOT_FOUND = OpenApiResponse(description="不存在")
TOPIC_PARAM = OpenApiParameter("topic", str, enum=Topic.values, description="按主题筛选")




@extend_schema_view(get=extend_schema(operation_id="policies_documents_list"))
class DocumentListView(generics.ListAPIView):
    """The policy documents (without their full text; see the detail)."""

    serializer_class = DocumentSerializer
    queryset = Document.objects.defer("text").order_by("issued_on", "code")


@extend_schema_view(get=extend_schema(operation_id="policies_documents_retrieve", responses={
    200: DocumentDetailSerializer, 404: NOT_FOUND}))
class DocumentDetailView(generics.RetrieveAPIView):
    """One document with its full text and its clauses."""

    serializer_class = DocumentDetailSerializer
    lookup_field = "code"

    def get_queryset(self):
        return selectors.documents_with_clause_texts()


@extend_schema_view(get=extend_schema(operation_id="policies_requirements_list", parameters=[TOPIC_PARAM]))
class RequirementListView(generics.ListAPIView):
    """Requirements with all versions (newest first) and their citations."""

    serializer_class = RequirementSerializer

    def get_queryset(self):
        qs = selectors.requirements_with_versions()
        topic = self.request.query_params.get("topic")
        if topic:
            if topic not in Topic.values:
                raise ValidationError({"topic": f"未知主题，应为 {'/'.join(Topic.values)} 之一"})
            qs = qs.filter(topic=topic)
        return qs


@extend_schema_view(get=extend_schema(operation_id="policies_requirements_retrieve", responses={
    200: RequirementSerializer, 404: NOT_FOUND}))
class RequirementDetailView(generics.RetrieveAPIView):
    """One requirement with its whole version history."""

    serializer_class = RequirementSerializer
    lookup_field = "code"

    def get_queryset(self):
        return selectors.requirements_with_versions()


@extend_schema_view(get=extend_schema(operation_id="policies_duties_list"))
class DutyListView(generics.ListAPIView):
    """Duties (履职事项) per level, nationwide and per province, with the clause they come from."""

    serializer_class = DutySerializer

    def get_queryset(self):
        return selectors.duties_queryset()


class UnitApplicabilityView(APIView):
    """The requirements and duties that apply to a unit on ``?as_of=`` (default today), and why."""

    @extend_schema(operation_id="unit_applicable_requirements", parameters=[AS_OF_PARAM], responses={
        200: ApplicabilitySerializer, 400: OpenApiResponse(description="as_of 格式有误"),
        404: OpenApiResponse(description="单位不存在或不在您的管辖范围内")})
    def get(self, request, code):
        unit = get_unit_or_404(request.user, code, Action.VIEW)
        as_of = parse_as_of(request.query_params.get("as_of"))
        data = {"unit": unit, "as_of": as_of, "requirements": selectors.applicable_versions(unit, as_of),
                "duties": selectors.duties_for(unit)}
        return Response(ApplicabilitySerializer(data).data)
