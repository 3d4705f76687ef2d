"""Catalog pages: browser, requirement history, per-unit applicability, comparison by topic.

Read access for every logged-in role; the per-unit page asks the access policy for the unit.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from apps.accounts.access import Action, get_unit_or_404
from apps.core.dates import as_of_or_today
from apps.policies import selectors
from apps.policies.models import Topic


def _entries(versions, names):
    return [
        {"version": v, "summary": selectors.summary(v), "levels": selectors.level_labels(v),
         "scope": names.get(v.scope_province_code, v.scope_province_code)}
        for v in versions
    ]


@login_required
def catalog(request):
    as_of, error = as_of_or_today(request.GET.get("as_of"))
    names = selectors.scope_names()
    versions = selectors.versions_in_force(as_of)
    by_topic = [
        {"label": label, "entries": _entries([v for v in versions if v.requirement.topic == topic], names)}
        for topic, label in Topic.choices
    ]
    documents, duties = selectors.documents_with_clauses(), selectors.duties_by_scope()
    for item in (*documents, *duties):
        item.scope_name = names.get(item.scope_province_code, item.scope_province_code)
    return render(request, "policies/catalog.html", {
        "as_of": as_of, "error": error, "documents": documents, "duties": duties,
        "by_topic": [t for t in by_topic if t["entries"]], "count": len(versions),
    })


@login_required
def document_detail(request, code: str):
    document = selectors.document_detail(code)
    if document is None:
        raise Http404("文件不存在")
    names = selectors.scope_names()
    return render(request, "policies/document.html", {
        "document": document, "scope": names.get(document.scope_province_code, document.scope_province_code),
    })


@login_required
def requirement_detail(request, code: str):
    requirement = selectors.requirement_detail(code)
    if requirement is None:
        raise Http404("要求不存在")
    names = selectors.scope_names()
    return render(request, "policies/requirement.html", {
        "requirement": requirement, "versions": _entries(requirement.versions.all(), names),
    })


@login_required
def unit_applicability(request, code: str):
    unit = get_unit_or_404(request.user, code, Action.VIEW)
    as_of, error = as_of_or_today(request.GET.get("as_of"))
    applicable = selectors.applicable_versions(unit, as_of)
    rows = [{"a": a, "summary": selectors.summary(a.version)} for a in applicable]
    return render(request, "policies/unit.html", {
        "unit": unit, "as_of": as_of, "error": error,
        "binding": [r for r in rows if r["a"].version.binding],
        "advisory": [r for r in rows if not r["a"].version.binding],
        "duties": selectors.duties_for(unit),
    })


@login_required
def compare(request):
    as_of, error = as_of_or_today(request.GET.get("as_of"))
    columns, rows = selectors.comparison(as_of)
    return render(request, "policies/compare.html", {"as_of": as_of, "error": error, "columns": columns, "rows": rows})
