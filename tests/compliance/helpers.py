"""Catalog and evidence builders for the compliance tests (the policies fixtures are not needed)."""

from __future__ import annotations

from datetime import date

from apps.evidence.models import Drill
from apps.policies.models import Citation, Clause, Document, Requirement, RequirementVersion


def make_version(code: str, kind: str, params: dict, *, levels: str = ",township,village,", weight: float = 10,
                 effective_from: date = date(2024, 1, 1), binding: bool = True, deadline: date | None = None,
                 scope_province_code: str = "", flags_any: str = "", version: int = 1, topic: str = "drill",
                 title: str | None = None) -> RequirementVersion:
    document, _ = Document.objects.get_or_create(
        code="central", defaults={"short_name": "中办国办意见", "title": "关于进一步提升基层应急管理能力的意见",
                                  "issuer": "中办 国办", "issued_on": date(2024, 9, 21), "text": "……"},
    )
    clause, _ = Clause.objects.get_or_create(document=document, number="(十三)", defaults={"text": "……"})
    requirement, _ = Requirement.objects.get_or_create(code=code, defaults={"topic": topic})
    rv = RequirementVersion.objects.create(
        requirement=requirement, version=version, effective_from=effective_from, title=title or code, kind=kind,
        params=params, levels=levels, scope_province_code=scope_province_code, flags_any=flags_any,
        deadline=deadline, binding=binding, weight=weight,
    )
    Citation.objects.create(version=rv, clause=clause, quote="每年至少组织开展1次综合演练")
    return rv


DRILL_PARAMS = {"evidence": "drill", "period": "year", "min_count": 1, "match": {"drill_type": ["comprehensive"]}}


def drill(unit, held_on: date, drill_type: str = "comprehensive") -> Drill:
    return Drill.objects.create(unit=unit, held_on=held_on, drill_type=drill_type, subject="防汛综合演练",
                                fingerprint=f"{unit.code}{held_on}{drill_type}")


def make_every_kind_catalog():
    """One requirement of every evidence kind the loader reads, so every query is exercised."""
    make_version("drill.annual", "periodic_event", DRILL_PARAMS, weight=20)
    make_version("meeting.quarterly", "periodic_event",
                 {"evidence": "meeting", "period": "quarter", "min_count": 1}, topic="meeting")
    make_version("team.floor", "team_floor", {"min_members": 30, "team_types": ["comprehensive"]},
                 levels=",township,", topic="team")
    make_version("training.cadre", "training_cycle", {"categories": ["township_cadre"], "cycle_months": 24},
                 levels=",township,", topic="training")
    make_version("relay.time", "response_time", {"max_minutes": 10, "window_months": 12}, topic="warning")
    make_version("doc.plan", "standing_document", {"doc_types": ["emergency_plan"], "max_age_months": None},
                 topic="duty")
    make_version("facility.phone", "facility_count", {"min_count": 1, "facility_types": ["satellite_phone"]},
                 flags_any=",high_natural_risk,", topic="facility")


def fail_county_build(monkeypatch, code: str) -> None:
    """Make the nightly county build raise for the county ``code`` ("boom"); the others build as usual."""
    from apps.compliance import services

    real = services.county_report_build

    def flaky(*, county, as_of, run=None, catalog=None):
        if county.code == code:
            raise RuntimeError("boom")
        return real(county=county, as_of=as_of, run=run, catalog=catalog)

    monkeypatch.setattr(services, "county_report_build", flaky)
