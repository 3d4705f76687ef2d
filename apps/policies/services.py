"""Writes of the policy catalog: loading the fixtures and revising a requirement.

Both keep history: a rule that an evaluation may have used is never rewritten. The loader only
adds versions (or corrects wording and citations, which do not change a verdict) and refuses to
change the rule of an existing version; ``requirement_revise`` always creates a new version.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.core.audit import record_event
from apps.jurisdictions.codes import FLAG_LABELS, Level
from apps.policies import kinds
from apps.policies.models import Citation, Clause, Document, Duty, Requirement, RequirementVersion, Topic
from apps.policies.rules import mark, quote_in, split_marked

# Fields that decide a verdict: changing them needs a new version (an evaluation "as of" the past
# must keep using the old rule). Title, description and citations are wording only.
RULE_FIELDS = ("kind", "params", "levels", "scope_province_code", "flags_any", "deadline", "binding", "weight",
               "retired", "obligation_from", "supersedes")
WORDING_FIELDS = ("title", "description")
REVISABLE = {*RULE_FIELDS, *WORDING_FIELDS, "citations"}


class CatalogError(Exception):
    """The fixtures are inconsistent or would rewrite history; nothing was written."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


def fixtures_dir() -> Path:
    return Path(settings.BASE_DIR) / "fixtures"


def _read_yaml(path: Path):
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _field_errors(where: str, *, levels: str, flags_any: str, kind: str, params) -> list[str]:
    errors = [f"{where}: {e}" for e in kinds.validate_params(kind, params)]
    bad_levels = [lv for lv in split_marked(levels) if lv not in Level.LABELS]
    if bad_levels or not split_marked(levels):
        errors.append(f"{where}: 适用层级无效 {levels!r}")
    bad_flags = [f for f in split_marked(flags_any) if f not in FLAG_LABELS]
    if bad_flags:
        errors.append(f"{where}: 未知风险标识 {'、'.join(bad_flags)}")
    return errors


# --------------------------------------------------------------------------- load_catalog
@transaction.atomic
def load_catalog(*, base_dir: Path | None = None, actor=None) -> dict[str, dict[str, int]]:
    """Load or update the catalog from ``fixtures/`` idempotently: a second run changes nothing.

    Returns counts per entity: {"documents": {"created": n, "updated": n, "unchanged": n}, ...}.
    Raises CatalogError (and writes nothing) when a quote is not in its clause, params are
    invalid, or the fixtures would change the rule of an existing version.
    """
    base = Path(base_dir) if base_dir else fixtures_dir()
    counts: dict[str, Counter] = defaultdict(Counter)
    errors: list[str] = []

    clauses = _load_documents(base, _read_yaml(base / "policies" / "documents.yaml")["documents"], counts)
    duty_rows = _read_yaml(base / "policies" / "duties.yaml")["duties"]
    req_rows = _read_yaml(base / "policies" / "requirements.yaml")["requirements"]
    _load_duties(duty_rows, clauses, counts, errors)
    _load_requirements(req_rows, clauses, counts, errors)
    codes = {row["code"] for row in req_rows}
    for row in req_rows:
        for v in row["versions"]:
            unknown = sorted(set(v.get("supersedes") or []) - codes - {row["code"]})
            if unknown or row["code"] in (v.get("supersedes") or []):
                errors.append(f"{row['code']}@{v['effective_from']}: 替代的要求不存在或为自身 {'、'.join(unknown) or row['code']}")
    if errors:
        raise CatalogError(errors)  # rolls the whole load back

    result = {entity: {k: c[k] for k in ("created", "updated", "unchanged")} for entity, c in counts.items()}
    if any(c["created"] or c["updated"] for c in result.values()):
        record_event(actor=actor, action="policies.catalog_loaded", counts=result)
    return result


def _sync(obj, values: dict) -> bool:
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    for k in changed:
        setattr(obj, k, values[k])
    return bool(changed)


def _load_documents(base: Path, rows: list[dict], counts) -> dict[tuple[str, str], Clause]:
    existing = {d.code: d for d in Document.objects.all()}
    all_clauses = {(c.document_id, c.number): c for c in Clause.objects.all()}
    result: dict[tuple[str, str], Clause] = {}
    for row in rows:
        text = (base / "documents" / row["file"]).read_text(encoding="utf-8")
        values = {
            "short_name": row["short_name"], "title": row["title"], "doc_number": row.get("doc_number", ""),
            "issuer": row["issuer"], "issued_on": date.fromisoformat(str(row["issued_on"])),
            "scope_province_code": row.get("scope_province_code", ""), "binding": row["binding"],
            "authority_note": row.get("authority_note", ""), "text": text, "source_file": row["file"],
        }
        doc = existing.get(row["code"])
        if doc is None:
            doc = Document.objects.create(code=row["code"], **values)
            counts["documents"]["created"] += 1
        elif _sync(doc, values):
            doc.save()
            counts["documents"]["updated"] += 1
        else:
            counts["documents"]["unchanged"] += 1
        for order, c in enumerate(row["clauses"], start=1):
            values = {"title": c.get("title", ""), "text": c["text"], "order": order}
            clause = all_clauses.get((doc.pk, c["number"]))
            if clause is None:
                clause = Clause.objects.create(document=doc, number=c["number"], **values)
                counts["clauses"]["created"] += 1
            elif _sync(clause, values):
                clause.save()
                counts["clauses"]["updated"] += 1
            else:
                counts["clauses"]["unchanged"] += 1
            clause.document = doc
            result[(doc.code, c["number"])] = clause
    return result


def _clause_for(ref: dict, clauses, where: str, errors: list[str]) -> Clause | None:
    clause = clauses.get((ref["doc"], str(ref["clause"])))
    if clause is None:
        errors.append(f"{where}: 条款不存在 {ref['doc']}{ref['clause']}")
        return None
    if not quote_in(ref["quote"], clause.text):
        errors.append(f"{where}: 引文不在 {ref['doc']}{ref['clause']} 原文中：{ref['quote']}")
        return None
    return clause


def _load_duties(rows: list[dict], clauses, counts, errors: list[str]) -> None:
    existing = {d.code: d for d in Duty.objects.all()}
    for row in rows:
        clause = _clause_for(row, clauses, row["code"], errors)
        if clause is None:
            continue
        values = {"title": row["title"], "levels": mark(row["levels"]), "scope_province_code": row.get("scope", ""),
                  "clause": clause, "quote": row["quote"]}
        duty = existing.get(row["code"])
        if duty is None:
            Duty.objects.create(code=row["code"], **values)
            counts["duties"]["created"] += 1
        elif _sync(duty, values):
            duty.save()
            counts["duties"]["updated"] += 1
        else:
            counts["duties"]["unchanged"] += 1


def _version_values(row: dict) -> dict:
    deadline = row.get("deadline")
    obligation_from = row.get("obligation_from")
    return {
        "title": row["title"],
        "description": row.get("description", ""),
        "kind": row["kind"],
        "params": row.get("params") or {},
        "levels": mark(row["levels"]),
        "scope_province_code": row.get("scope", ""),
        "flags_any": mark(row.get("flags_any") or []),
        "deadline": date.fromisoformat(str(deadline)) if deadline else None,
        "binding": row.get("binding", True),
        "weight": Decimal(str(row.get("weight", 0))).quantize(Decimal("0.01")),
        "retired": row.get("retired", False),
        "obligation_from": date.fromisoformat(str(obligation_from)) if obligation_from else None,
        "supersedes": mark(row.get("supersedes") or []),
    }


def _load_requirements(rows: list[dict], clauses, counts, errors: list[str]) -> None:
    requirements = {r.code: r for r in Requirement.objects.all()}
    versions: dict[int, dict[date, RequirementVersion]] = defaultdict(dict)
    for v in RequirementVersion.objects.prefetch_related("citations"):
        versions[v.requirement_id][v.effective_from] = v
    for row in rows:
        code = row["code"]
        if row["topic"] not in Topic.values:
            errors.append(f"{code}: 未知主题 {row['topic']}")
            continue
        req = requirements.get(code)
        if req is None:
            req = Requirement.objects.create(code=code, topic=row["topic"])
            counts["requirements"]["created"] += 1
        elif req.topic != row["topic"]:
            req.topic = row["topic"]
            req.save(update_fields=["topic"])
            counts["requirements"]["updated"] += 1
        else:
            counts["requirements"]["unchanged"] += 1
        for vrow in sorted(row["versions"], key=lambda r: str(r["effective_from"])):
            _load_version(req, vrow, versions[req.pk], clauses, counts, errors)


def _load_version(req, row: dict, existing: dict, clauses, counts, errors: list[str]) -> None:
    effective_from = date.fromisoformat(str(row["effective_from"]))
    where = f"{req.code}@{effective_from}"
    values = _version_values(row)
    errors.extend(_field_errors(where, levels=values["levels"], flags_any=values["flags_any"],
                                kind=values["kind"], params=values["params"]))
    cites = [(_clause_for(c, clauses, where, errors), c["quote"]) for c in row.get("citations", [])]
    if not cites:
        errors.append(f"{where}: 至少需要一条出处引文")
    if any(clause is None for clause, _ in cites) or errors:
        return
    version = existing.get(effective_from)
    if version is None:
        number = max((v.version for v in existing.values()), default=0) + 1
        version = RequirementVersion.objects.create(requirement=req, version=number,
                                                    effective_from=effective_from, **values)
        _set_citations(version, cites)
        existing[effective_from] = version
        counts["versions"]["created"] += 1
        return
    rule_diff = [f for f in RULE_FIELDS if getattr(version, f) != values[f]]
    if rule_diff:
        errors.append(f"{where}: 夹具会改写已有版本的规则字段 {', '.join(rule_diff)}；请新增一个生效日期更晚的版本")
        return
    wording = _sync(version, {f: values[f] for f in WORDING_FIELDS})
    if wording:
        version.save(update_fields=list(WORDING_FIELDS))
    current = [(c.clause_id, c.quote) for c in version.citations.all()]
    if current != [(clause.pk, quote) for clause, quote in cites]:
        version.citations.all().delete()
        _set_citations(version, cites)
        wording = True
    counts["versions"]["updated" if wording else "unchanged"] += 1


def _set_citations(version: RequirementVersion, cites) -> None:
    Citation.objects.bulk_create(
        Citation(version=version, clause=clause, quote=quote, order=i) for i, (clause, quote) in enumerate(cites, 1)
    )


# --------------------------------------------------------------------------- requirement_revise
def _jsonable(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return json.loads(json.dumps(value, default=str))


@transaction.atomic
def requirement_revise(
    *, requirement: Requirement, effective_from: date, changes: dict, actor, reason: str, today: date | None = None
) -> RequirementVersion:
    """Create the next version of ``requirement`` from ``effective_from`` on, with ``changes``
    applied to the latest version; audited in the same transaction.

    ``changes`` keys: title, description, kind, params, levels, scope_province_code, flags_any,
    deadline, binding, weight, retired, citations ([{"clause": Clause|id, "quote": str}]).
    The new version may not start before ``today`` nor on or before the latest version's date,
    so no evaluation of a past date can change.
    """
    today = today or timezone.localdate()
    errors: list[str] = []
    if not (reason or "").strip():
        errors.append("请填写变更原因")
    unknown = sorted(set(changes) - REVISABLE)
    if unknown:
        errors.append(f"不可修改的字段：{'、'.join(unknown)}")
    requirement = Requirement.objects.select_for_update().get(pk=requirement.pk)
    base = requirement.versions.order_by("-effective_from").prefetch_related("citations__clause").first()
    if base is None:
        raise ValidationError("该要求尚无版本")
    if effective_from < today:
        errors.append(f"生效日期不得早于今天（{today.isoformat()}），以免改变已做出的历史评价")
    if effective_from <= base.effective_from:
        errors.append(f"生效日期须晚于现行最新版本的生效日期 {base.effective_from.isoformat()}")
    if errors:
        raise ValidationError(errors)

    values = {f: getattr(base, f) for f in (*RULE_FIELDS, *WORDING_FIELDS)}
    for field in REVISABLE - {"citations"}:
        if field in changes:
            values[field] = changes[field]
    values["levels"] = mark(values["levels"])
    values["flags_any"] = mark(values["flags_any"])
    values["weight"] = Decimal(str(values["weight"])).quantize(Decimal("0.01"))
    errors = _field_errors(requirement.code, levels=values["levels"], flags_any=values["flags_any"],
                           kind=values["kind"], params=values["params"])
    if "citations" in changes:
        cites = []
        for c in changes["citations"]:
            clause = c["clause"] if isinstance(c["clause"], Clause) else Clause.objects.get(pk=c["clause"])
            if not quote_in(c["quote"], clause.text):
                errors.append(f"引文不在 {clause} 原文中：{c['quote']}")
            cites.append((clause, c["quote"]))
    else:
        cites = [(c.clause, c.quote) for c in base.citations.all()]
    if not cites:
        errors.append("至少需要一条出处引文")
    if errors:
        raise ValidationError(errors)

    version = RequirementVersion.objects.create(
        requirement=requirement, version=_next_number(requirement), effective_from=effective_from,
        change_reason=reason.strip()[:300],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        **values,
    )
    _set_citations(version, cites)
    diff = {f: [_jsonable(getattr(base, f)), _jsonable(values[f])] for f in values if getattr(base, f) != values[f]}
    if "citations" in changes:
        diff["citations"] = [[f"{c.clause_id}:{c.quote}" for c in base.citations.all()],
                             [f"{cl.pk}:{q}" for cl, q in cites]]
    record_event(actor=actor, action="policies.requirement_revised", requirement=requirement.code,
                 version=version.version, effective_from=effective_from.isoformat(), reason=reason.strip(),
                 changes=diff)
    return version


def _next_number(requirement: Requirement) -> int:
    last = requirement.versions.order_by("-version").values_list("version", flat=True).first()
    return (last or 0) + 1
