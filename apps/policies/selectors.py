"""Reads of the policy catalog: the versions in force, applicability to units, the comparison.

Applicability is resolved by groups: units sharing (province_code, level, flags) get the same
requirements, so 700,000 villages cost one pass over their codes plus one match per distinct
group (a few hundred), never a query or a rule evaluation per unit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from apps.jurisdictions.codes import Level, effective_flags
from apps.jurisdictions.models import Unit
from apps.policies import kinds
from apps.policies.models import Citation, Clause, Document, Duty, Requirement, RequirementVersion, Topic
from apps.policies.rules import explain, matches, own_citations, split_marked


@dataclass
class Applicability:
    version: RequirementVersion
    reasons: list[str] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)  # central and the unit's province only


def _citations_prefetch() -> Prefetch:
    return Prefetch(
        "citations", queryset=Citation.objects.select_related("clause__document").order_by("order", "pk")
    )


def versions_in_force(as_of: date) -> list[RequirementVersion]:
    """For each requirement, the version with the latest effective_from <= as_of, unless that
    version retires it. Citations with clause and document prefetched: 2 queries in all."""
    latest = (
        RequirementVersion.objects.filter(requirement=OuterRef("requirement"), effective_from__lte=as_of)
        .order_by("-effective_from")
        .values("pk")[:1]
    )
    return list(
        RequirementVersion.objects.filter(pk=Subquery(latest), retired=False)
        .select_related("requirement")
        .prefetch_related(_citations_prefetch())
        .order_by("requirement__code")
    )


def _group_versions(versions, code: str, province_code: str, level: str, flags, as_of: date
                    ) -> list[RequirementVersion]:
    return [v for v in versions
            if matches(v, code=code, province_code=province_code, level=level, flags=flags, as_of=as_of)]


def applicable_versions(unit: Unit, as_of: date) -> list[Applicability]:
    """The versions that apply to ``unit`` on ``as_of``, each with the reasons why (Chinese)."""
    versions = _group_versions(versions_in_force(as_of), unit.code, unit.province_code, unit.level, unit.flags,
                               as_of)
    province_name = ""
    if any(v.scope_province_code for v in versions):
        province_name = Unit.objects.filter(code=unit.province_code).values_list("name", flat=True).first() or ""
    return [Applicability(version=v, reasons=explain(v, unit, as_of, province_name),
                          citations=own_citations(v.citations.all(), unit.province_code)) for v in versions]


def _unit_keys(units) -> Iterable[tuple[str, str, str, str]]:
    if isinstance(units, QuerySet):
        return units.values_list("code", "province_code", "level", "flags").iterator(chunk_size=5000)
    return ((u.code, u.province_code, u.level, u.flags) for u in units)


def group_applicability(units, as_of: date) -> dict[str, list[RequirementVersion]]:
    """unit code -> versions that apply, resolved once per (province_code, level, effective flags) group.

    ``units`` may be a Unit queryset (streamed as tuples, no model instances) or an iterable of
    Units. Units of one group share the same list object: treat it as read-only.
    """
    versions = versions_in_force(as_of)
    groups: dict[tuple[str, str, str], list[RequirementVersion]] = {}
    result: dict[str, list[RequirementVersion]] = {}
    for code, province_code, level, flags in _unit_keys(units):
        own = effective_flags(code, level, flags)  # a 社区 and a 村 of one township differ
        key = (province_code, level, ",".join(sorted(own)))
        if key not in groups:
            groups[key] = _group_versions(versions, code, province_code, level, own, as_of)
        result[code] = groups[key]
    return result


# --------------------------------------------------------------------------- catalog pages
def documents_with_clauses() -> list[Document]:
    """Documents with their clauses, and each clause's citations with version and requirement."""
    citations = Citation.objects.select_related("version__requirement").order_by("version__requirement__code")
    clauses = Clause.objects.prefetch_related(Prefetch("citations", queryset=citations)).order_by("order")
    return list(Document.objects.defer("text").prefetch_related(Prefetch("clauses", queryset=clauses)))


def document_detail(code: str) -> Document | None:
    citations = Citation.objects.select_related("version__requirement").order_by(
        "version__requirement__code", "-version__effective_from"
    )
    duties = Duty.objects.order_by("code")
    clauses = Clause.objects.prefetch_related(
        Prefetch("citations", queryset=citations), Prefetch("duties", queryset=duties)
    ).order_by("order")
    return Document.objects.prefetch_related(Prefetch("clauses", queryset=clauses)).filter(code=code).first()


def requirements_with_versions() -> QuerySet[Requirement]:
    """Requirements with all their versions (newest first) and citations: 4 queries in all."""
    versions = RequirementVersion.objects.select_related("created_by").prefetch_related(
        _citations_prefetch()
    ).order_by("-effective_from")
    return Requirement.objects.prefetch_related(Prefetch("versions", queryset=versions)).order_by("code")


def requirement_detail(code: str) -> Requirement | None:
    """A requirement with all its versions (newest first) and their citations."""
    return requirements_with_versions().filter(code=code).first()


def documents_with_clause_texts() -> QuerySet[Document]:
    """Documents with their clauses (2 queries), for the API."""
    return Document.objects.prefetch_related(Prefetch("clauses", queryset=Clause.objects.order_by("order")))


def duties_queryset() -> QuerySet[Duty]:
    return Duty.objects.select_related("clause__document").order_by("scope_province_code", "code")


def duties_by_scope() -> list[Duty]:
    return list(duties_queryset())


def summary(version: RequirementVersion) -> str:
    return kinds.describe_params(version.kind, version.params)


def level_labels(version) -> str:
    return "、".join(Level.LABELS.get(lv, lv) for lv in split_marked(version.levels))


@dataclass
class ComparisonColumn:
    scope: str  # "" = nationwide, else a province code
    name: str
    documents: list[Document]


@dataclass
class ComparisonEntry:
    version: RequirementVersion
    restated: bool  # a nationwide requirement this province's binding document restates
    summary: str


@dataclass
class ComparisonRow:
    topic: str
    label: str
    cells: list[list[ComparisonEntry]]


def comparison(as_of: date) -> tuple[list[ComparisonColumn], list[ComparisonRow]]:
    """What the centre and each province require, topic by topic, as of a date.

    Columns come from the documents' scopes, so a new province's document adds a column by data
    alone. A province column lists its own requirements and the nationwide ones its binding
    documents restate. Four queries whatever the size of the catalog.
    """
    documents = list(Document.objects.defer("text").order_by("issued_on"))
    scopes = sorted({d.scope_province_code for d in documents}, key=lambda s: (s != "", s))
    names = dict(Unit.objects.filter(code__in=[s for s in scopes if s]).values_list("code", "name"))
    columns = []
    for s in scopes:
        docs = [d for d in documents if d.scope_province_code == s]
        name = "中央（全国）" if not s else names.get(s) or docs[0].short_name
        columns.append(ComparisonColumn(scope=s, name=name, documents=docs))
    versions = versions_in_force(as_of)
    rows = []
    for topic, label in Topic.choices:
        cells = []
        for column in columns:
            entries = []
            for v in versions:
                if v.requirement.topic != topic:
                    continue
                if v.scope_province_code == column.scope:
                    entries.append(ComparisonEntry(v, False, summary(v)))
                elif column.scope and not v.scope_province_code and any(
                    c.clause.document.scope_province_code == column.scope and c.clause.document.binding
                    for c in v.citations.all()
                ):
                    entries.append(ComparisonEntry(v, True, summary(v)))
            cells.append(entries)
        if any(cells):
            rows.append(ComparisonRow(topic=topic, label=label, cells=cells))
    return columns, rows


def duties_for(unit: Unit) -> list[Duty]:
    """The duties of the unit's level, nationwide and in its province (one query)."""
    return list(
        Duty.objects.filter(levels__contains=f",{unit.level},", scope_province_code__in=["", unit.province_code])
        .select_related("clause__document")
        .order_by("scope_province_code", "code")
    )


def scope_names() -> dict[str, str]:
    """Province code -> name for every document scope ("" -> 全国); one query."""
    codes = Document.objects.exclude(scope_province_code="").values("scope_province_code")
    names = dict(Unit.objects.filter(code__in=codes).values_list("code", "name"))
    names[""] = "全国"
    return names
