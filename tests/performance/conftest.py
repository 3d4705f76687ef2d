import pytest

from tests.compliance.helpers import DRILL_PARAMS, make_version


@pytest.fixture
def catalog(db):
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


@pytest.fixture
def eager():
    """Run the county task in-process even when REDIS_URL points at a real broker."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before
