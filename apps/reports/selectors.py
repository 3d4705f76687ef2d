"""Reads for scorecards: the raw snapshot (live or sealed), evidence hashes, stored files."""

from __future__ import annotations

import hashlib
from datetime import date

from django.conf import settings
from django.utils import timezone

from apps.accounts.access import Action, filter_for_user
from apps.compliance import rules
from apps.compliance import selectors as compliance
from apps.core.dates import parse_period
from apps.evidence.models import EVIDENCE_MODELS
from apps.jurisdictions.codes import subtree_range
from apps.jurisdictions.models import Unit
from apps.reports import content
from apps.reports.models import Scorecard, ScorecardJob, Seal


def _rollup_dict(r: compliance.RollUp) -> dict:
    return {"own_score": r.own_score, "subtree_score": r.subtree_score, "grade": r.grade, "counts": dict(r.counts)}


def collect_raw(unit: Unit, as_of: date) -> dict:
    """The live raw snapshot of ``unit``'s subtree (see content.py). Query count does not grow with
    the subtree: one evaluation of the subtree, one unit query, the ancestors, the overdue list."""
    units = list(Unit.objects.subtree(unit).select_related("parent").only(
        "code", "name", "level", "flags", "parent__code", "province_code", "county_code", "township_code",
        "tracking_start",
    ))
    evaluations = compliance.evaluate_subtree(unit, as_of)
    rollups = compliance.rollup(evaluations, units)
    # The same rows as overdue_tasks(), from the evaluations already in hand.
    overdue = compliance.overdue_rows(evaluations, as_of)
    return content.jsonable(
        {
            "root": unit.code,
            "as_of": as_of,
            "thresholds": [settings.COMPLIANCE_GRADE_EXCELLENT, settings.COMPLIANCE_GRADE_PASS],
            "ancestors": [
                {"code": a.code, "name": a.name, "level": a.level}
                for a in unit.ancestors()
            ],
            "units": [
                {"code": u.code, "name": u.name, "level": u.level, "parent": u.parent.code if u.parent else None}
                for u in units
            ],
            "evaluations": {code: e.to_dict() for code, e in evaluations.items()},
            "rollups": {code: _rollup_dict(r) for code, r in rollups.items()},
            "overdue": overdue,
            "reporting": reporting_raw(unit, as_of),
        }
    )


def reporting_raw(unit: Unit, as_of: date) -> dict:
    """报送率、及时率 of the scorecard's year (the periods ended by ``as_of``) for the raw snapshot:
    expected, reported and on-time periods of each unit of the subtree that owes any; content.py
    sums them per child unit. One load of the facts (constant query count)."""
    year = str(as_of.year)
    facts = compliance.subtree_reporting_facts(unit, parse_period(year), as_of)
    units = {}
    for u, by_requirement in facts:
        t = sum((rules.tally(items) for items in by_requirement.values()), rules.Tally())
        if t.expected:
            units[u.code] = [t.expected, t.reported, t.on_time]
    return {"period": year, "deadline_days": settings.REPORTING_DEADLINE_DAYS, "units": units}


def _link_ancestors(raw: dict) -> dict:
    """Ancestors are stored province first; chain them so the unit's parent path can be printed."""
    previous = None
    for a in raw.get("ancestors", []):
        a["parent"] = previous
        previous = a["code"]
    for u in raw["units"]:
        if u["code"] == raw["root"]:
            u["parent"] = previous
    return raw


def seal_for(unit: Unit, as_of: date) -> Seal | None:
    """The seal covering ``unit`` on ``as_of``: of the unit itself or the closest sealed ancestor
    (a descendant's code sorts after its ancestors' codes)."""
    return (
        Seal.objects.filter(as_of=as_of, unit__code__in=[*unit.ancestor_codes(), unit.code])
        .select_related("created_by", "unit")
        .order_by("-unit__code")
        .first()
    )


def seal_info(seal: Seal) -> dict:
    return {
        "number": seal.number,
        "unit_name": seal.unit.name,
        "created_at": timezone.localtime(seal.created_at).strftime("%Y-%m-%d %H:%M"),
        "created_by": seal.created_by.display_name if seal.created_by else "",
        "fingerprint": seal.fingerprint,
        "evidence_count": len(seal.evidence),
    }


def scorecard_payload(unit: Unit, as_of: date, raw: dict | None = None) -> tuple[dict, Seal | None]:
    """The payload of ``unit``'s scorecard: from the seal when one covers it, else live."""
    seal = seal_for(unit, as_of)
    if seal is not None:
        raw = seal.payload
    elif raw is None:
        raw = collect_raw(unit, as_of)
    raw = _link_ancestors(raw)
    return content.build_payload(raw, unit.code, seal_info(seal) if seal else None), seal


# -- evidence content hashes ------------------------------------------------------------------
UNHASHED_FIELDS = {"updated_at"}


def _record_hash(obj) -> str:
    data = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.attname not in UNHASHED_FIELDS}
    return hashlib.sha256(content.canonical(data)).hexdigest()


def subtree_evidence(unit: Unit) -> list[dict]:
    """``[{"ref": "drill:17", "sha256": ...}]`` for every counted record of the subtree: the input
    the evaluation read (apps.compliance loads exactly these), one query per evidence kind."""
    rng = subtree_range(unit.code, unit.level)
    out = []
    for model in EVIDENCE_MODELS:
        qs = model.objects.counted().filter(unit__code__gte=rng.low, unit__code__lte=rng.high).order_by("pk")
        out += [{"ref": f"{model._meta.model_name}:{obj.pk}", "sha256": _record_hash(obj)} for obj in qs]
    return out


def seal_drift(seal: Seal) -> dict[str, list[str]]:
    """What changed in the live records since the seal (shown to auditors, never applied)."""
    sealed = {e["ref"]: e["sha256"] for e in seal.evidence}
    now = {e["ref"]: e["sha256"] for e in subtree_evidence(seal.unit)}
    return {
        "changed": sorted(r for r in sealed.keys() & now.keys() if sealed[r] != now[r]),
        "removed": sorted(sealed.keys() - now.keys()),
        "added": sorted(now.keys() - sealed.keys()),
    }


# -- stored scorecards and jobs -----------------------------------------------------------------
def stored_scorecard(unit: Unit, as_of: date, snapshot_fingerprint: str) -> Scorecard | None:
    card = Scorecard.objects.filter(unit=unit, as_of=as_of, snapshot_fingerprint=snapshot_fingerprint).first()
    if card is not None and card.file and card.file.storage.exists(card.file.name):
        return card
    return None


def scorecards_for(user, limit: int = 20):
    return filter_for_user(
        Scorecard.objects.select_related("unit", "seal", "created_by"), user, Action.EXPORT
    ).order_by("-created_at")[:limit]


def jobs_for(user, limit: int = 10):
    return filter_for_user(ScorecardJob.objects.select_related("unit"), user, Action.EXPORT).filter(
        created_by=user
    ).order_by("-created_at")[:limit]


def seals_for(user, limit: int = 20):
    return filter_for_user(Seal.objects.select_related("unit", "created_by"), user, Action.EXPORT).order_by(
        "-created_at"
    )[:limit]


def scorecard_by_code(code: str) -> Scorecard | None:
    code = (code or "").replace("-", "").replace(" ", "").upper()
    if not code.isalnum():
        return None
    return Scorecard.objects.select_related("unit", "seal").filter(verification_code=code).first()
