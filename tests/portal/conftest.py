from datetime import date

import pytest

from apps.policies.models import Citation, Clause, Document, Requirement, RequirementVersion

AS_OF = date(2026, 6, 30)


def add_requirement(clause, code, topic, title, kind, params, levels=",township,village,", weight=10, **kw):
    req = Requirement.objects.create(code=code, topic=topic)
    version = RequirementVersion.objects.create(
        requirement=req, version=1, effective_from=date(2025, 1, 1), title=title, kind=kind, params=params,
        levels=levels, weight=weight, **kw,
    )
    Citation.objects.create(version=version, clause=clause, quote=clause.text[:20])
    return version


@pytest.fixture
def catalog(db):
    """A two-requirement catalog: a yearly comprehensive drill and a designated emergency staff."""
    doc = Document.objects.create(
        code="CN-TEST", short_name="中办国办意见", title="关于进一步提升基层应急管理能力的意见", issuer="中共中央办公厅 国务院办公厅",
        issued_on=date(2024, 10, 8), text="乡镇（街道）、村（社区）每年至少组织开展1次综合演练。明确专门工作力量。",
    )
    drill_clause = Clause.objects.create(document=doc, number="(十三)", text="乡镇（街道）、村（社区）每年至少组织开展1次综合演练。")
    staff_clause = Clause.objects.create(document=doc, number="(四)", text="明确专门工作力量。", order=1)
    return {
        "drill": add_requirement(
            drill_clause, "CN-DRILL-COMPREHENSIVE", "drill", "每年至少1次综合演练", "periodic_event",
            {"evidence": "drill", "period": "year", "min_count": 1, "match": {"drill_type": ["comprehensive"]}},
        ),
        "staff": add_requirement(
            staff_clause, "CN-STAFF", "staffing", "明确应急管理专职人员", "staffing",
            {"categories": ["emergency_staff"], "min_count": 1},
        ),
    }


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The shared `people` fixture hashes six passwords per test; the default hasher makes that
    # the slowest part of these tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
