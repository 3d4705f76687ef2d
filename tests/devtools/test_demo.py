"""The demo: one command loads everything, twice changes nothing, and the data has something to show."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from apps.accounts.models import User
from apps.compliance.selectors import evaluate_subtree
from apps.evidence import models as ev
from apps.jurisdictions.models import Unit

pytestmark = pytest.mark.django_db

AS_OF = "2026-11-23"


def _counts():
    return {model.__name__: model.objects.count()
            for model in (Unit, User, ev.Person, ev.Training, ev.TeamMember, ev.Drill, ev.Meeting,
                          ev.Facility, ev.StandingDocument, ev.WarningRelay)}


def test_load_demo_is_idempotent_and_shows_both_good_and_bad_units():
    call_command("load_demo", as_of=AS_OF, stdout=StringIO())
    first = _counts()
    call_command("load_demo", as_of=AS_OF, stdout=StringIO())
    assert _counts() == first
    assert first["Drill"] > 0 and first["TeamMember"] > 0 and first["Training"] > 0

    assert {u.username for u in User.objects.all()} >= {"county_demo", "township_demo", "auditor_demo", "admin_demo"}
    admins = {u.username: u.role for u in User.objects.filter(is_staff=True)}
    assert admins == {"admin_demo": "system_admin", "security_demo": "security_admin", "auditadmin_demo": "audit_admin"}
    assert not User.objects.filter(is_superuser=True).exists()  # 三员分立: no superuser, even in the demo
    county = Unit.objects.get(code="140121000000")
    evaluations = evaluate_subtree(county, date(2026, 11, 23))
    village_scores = [e.score for code, e in evaluations.items() if Unit.objects.get(code=code).level == "village"]
    assert max(village_scores) >= 90, "some demo villages are diligent"
    assert min(village_scores) < 60, "some demo villages are behind, so the dashboard has red cells"


def test_load_demo_stores_a_year_of_month_end_evaluations_for_the_trend():
    from apps.compliance.selectors import subtree_score_history
    from apps.devtools.management.commands.load_demo import month_ends

    assert month_ends(date(2026, 3, 15), 3) == [date(2025, 12, 31), date(2026, 1, 31), date(2026, 2, 28)]
    out = StringIO()
    call_command("load_demo", as_of=AS_OF, stdout=out)
    assert "历史评估 13/13：2026-11-23" in out.getvalue()
    county = Unit.objects.get(code="140121000000")
    trend = subtree_score_history(county, limit=12, until=date(2026, 11, 23))
    assert len(trend) == 12 and trend[-1][0] == date(2026, 11, 23) and trend[0][0] == date(2025, 12, 31)
    assert all(score is not None for _, score in trend)


def test_the_demo_county_shows_red_yellow_and_green_after_the_catalog_corrections():
    from apps.compliance.results import Status

    call_command("load_demo", as_of="2026-12-01", stdout=StringIO())
    county = Unit.objects.get(code="140121000000")
    evaluations = evaluate_subtree(county, date(2026, 12, 1))
    colours = {Status.COLOURS[r.status] for e in evaluations.values() for r in e.results if not r.advisory}
    assert {"red", "yellow", "green"} <= colours
    grades = {e.grade for code, e in evaluations.items() if code != county.code}
    assert {"优秀", "合格"} <= grades
