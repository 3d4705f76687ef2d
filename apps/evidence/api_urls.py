"""One set of paths per kind, so each kind's records have their own documented schema."""

from django.urls import path

from apps.evidence import api
from apps.evidence.kinds import KINDS

urlpatterns = [path("evidence/import/", api.ImportView.as_view(), name="evidence-import")]
for _kind in KINDS:
    urlpatterns += [
        path(f"evidence/{_kind}/", api.RecordListView.as_view(kind=_kind), name=f"evidence-{_kind}-list"),
        path(f"evidence/{_kind}/<int:pk>/", api.RecordDetailView.as_view(kind=_kind),
             name=f"evidence-{_kind}-detail"),
        path(f"evidence/{_kind}/<int:pk>/review/", api.RecordReviewView.as_view(kind=_kind),
             name=f"evidence-{_kind}-review"),
    ]
