"""REST endpoints for scorecards: list (jurisdiction-filtered), job progress, public verification."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, parser_classes, permission_classes
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from apps.accounts.access import Action, filter_for_user
from apps.reports import selectors, services
from apps.reports.forms import MAX_VERIFY_BYTES
from apps.reports.models import JobState, ScorecardJob


class ScorecardSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    unit = serializers.CharField(source="unit.code")
    unit_name = serializers.CharField(source="unit.name")
    as_of = serializers.DateField()
    sha256 = serializers.CharField()
    size = serializers.IntegerField()
    verification_code = serializers.CharField(source="display_code")
    seal = serializers.CharField(source="seal.number", default=None, allow_null=True)
    created_at = serializers.DateTimeField()
    pdf = serializers.SerializerMethodField()

    def get_pdf(self, card) -> str:
        return reverse("reports:pdf", args=[card.pk])


class JobSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    unit = serializers.CharField(source="unit.code")
    as_of = serializers.DateField()
    state = serializers.ChoiceField(choices=JobState.choices)
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()
    scorecard = serializers.IntegerField(source="scorecard_id", allow_null=True)
    error = serializers.CharField()


class VerificationSerializer(serializers.Serializer):
    verification_code = serializers.CharField(source="display_code")
    unit = serializers.CharField(source="unit.code")
    unit_name = serializers.CharField(source="unit.name")
    as_of = serializers.DateField()
    sha256 = serializers.CharField()
    sealed = serializers.CharField(source="seal.number", default=None, allow_null=True)
    matches = serializers.BooleanField(required=False, help_text="只在上传文件（POST）时返回")


class VerifyUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="待核对的评分卡 PDF（20 MB 以内）")


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


@extend_schema(operation_id="scorecards_list", responses=ScorecardSerializer(many=True))
@api_view(["GET"])
def scorecard_list(request):
    """The newest 100 scorecards of units the caller may export, newest first (not paginated)."""
    cards = selectors.scorecards_for(request.user, limit=100)
    return Response(ScorecardSerializer(cards, many=True).data)


@extend_schema(operation_id="scorecard_jobs_retrieve", responses={200: JobSerializer, 404: DetailSerializer})
@api_view(["GET"])
def job_detail(request, pk):
    """Progress of a scorecard job (state, done/total, percent) and, when finished, its scorecard id."""
    jobs = filter_for_user(ScorecardJob.objects.select_related("unit"), request.user, Action.EXPORT)
    job = get_object_or_404(jobs, pk=pk)
    return Response(JobSerializer(job).data)


@extend_schema(
    methods=["GET"], operation_id="scorecard_verify_retrieve", auth=[],
    responses={200: VerificationSerializer, 404: DetailSerializer},
)
@extend_schema(
    methods=["POST"], operation_id="scorecard_verify_upload", auth=[], request=VerifyUploadSerializer,
    responses={200: VerificationSerializer, 400: OpenApiResponse(DetailSerializer), 404: DetailSerializer},
)
@api_view(["GET", "POST"])
@permission_classes([AllowAny])
@parser_classes([MultiPartParser])
def verify(request, code):
    """Public on purpose (see views.py): minimal metadata, and whether an uploaded file matches."""
    card = selectors.scorecard_by_code(code)
    if card is None:
        return Response({"detail": "核验码不存在"}, status=404)
    data = dict(VerificationSerializer(card).data)
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None or upload.size > MAX_VERIFY_BYTES:
            return Response({"detail": "请上传 20 MB 以内的 PDF 文件（字段 file）"}, status=400)
        data["matches"] = services.scorecard_verify(card=card, data=upload.read())
    return Response(data)
