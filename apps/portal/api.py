"""The hierarchy's units in the REST API. Here, not in apps/jurisdictions, because the list is
scoped by apps/accounts/access.py, which sits above the hierarchy."""

from rest_framework import serializers, viewsets
from rest_framework.generics import get_object_or_404

from apps.accounts.access import Action, units_for
from apps.jurisdictions.models import Unit


class UnitSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", default=None, read_only=True)
    flags = serializers.ListField(source="flag_list", child=serializers.CharField(), read_only=True)

    class Meta:
        model = Unit
        fields = ["code", "name", "level", "parent_code", "province_code", "flags", "tracking_start"]


class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    """Units in the caller's jurisdiction. Filter with ?level=township&under=CODE."""

    serializer_class = UnitSerializer
    lookup_field = "code"

    def get_queryset(self):
        qs = units_for(self.request.user, Action.VIEW).select_related("parent")
        level = self.request.query_params.get("level")
        if level:
            qs = qs.filter(level=level)
        under = self.request.query_params.get("under")
        if under:
            root = get_object_or_404(qs, code=under)
            qs = qs.subtree(root)
        return qs.order_by("code")
