"""The dashboard trend shows the subtree score of each stored date: the headline number as it was."""

from datetime import date

import pytest
from django.utils import timezone

from apps.compliance.models import Snapshot
from apps.compliance.selectors import rollup, subtree_score_history
from apps.jurisdictions.models import Unit

pytestmark = pytest.mark.django_db

COUNTY, QINGYUAN, XUGOU, VILLAGE = "140121000000", "140121100000", "140121101000", "140121100201"


def _store(units, day, scores):
    Snapshot.objects.bulk_create([
        Snapshot(unit=units[code], as_of=day, score=score, fingerprint="x", computed_at=timezone.now())
        for code, score in scores.items()
    ])


def test_it_gives_the_rolled_up_score_of_each_stored_date_up_to_the_as_of_date(units):
    _store(units, date(2026, 9, 30), {COUNTY: 100.0, QINGYUAN: 80.0, XUGOU: 40.0, VILLAGE: 60.0})
    _store(units, date(2026, 10, 31), {COUNTY: 100.0, QINGYUAN: 90.0, XUGOU: 70.0, VILLAGE: 90.0})
    _store(units, date(2026, 11, 30), {COUNTY: 50.0})
    history = subtree_score_history(units[COUNTY], until=date(2026, 11, 1))
    assert [day for day, _ in history] == [date(2026, 9, 30), date(2026, 10, 31)]
    # 清源镇 (80 own, village 60) → 70; 徐沟镇 40; county: mean(100, 70, 40) = 70
    assert history[0][1] == 70.0
    county_units = list(Unit.objects.subtree(units[COUNTY]))
    expected = rollup({c: type("S", (), {"score": s, "counts": {}})() for c, s in
                       {COUNTY: 100.0, QINGYUAN: 90.0, XUGOU: 70.0, VILLAGE: 90.0}.items()}, county_units)
    assert history[1][1] == expected[COUNTY].subtree_score == 86.7


def test_it_reads_the_history_in_a_constant_number_of_queries(units, django_assert_num_queries):
    _store(units, date(2026, 9, 30), {COUNTY: 100.0, QINGYUAN: 80.0, VILLAGE: 60.0})
    with django_assert_num_queries(3):
        subtree_score_history(units[COUNTY])


def test_a_county_date_with_a_stored_report_reads_the_reports_score_in_one_query(units, django_assert_num_queries):
    from apps.compliance import services
    from apps.compliance.models import CountyReport
    from tests.compliance.helpers import DRILL_PARAMS, drill, make_version

    make_version("drill.annual", "periodic_event", DRILL_PARAMS, weight=20)
    drill(units[QINGYUAN], date(2025, 6, 1))  # 清源镇 met last year, 徐沟镇 and the village did not
    drill(units[QINGYUAN], date(2026, 3, 1))
    day = date(2026, 9, 30)
    services.county_report_build(county=units[COUNTY], as_of=day)
    with django_assert_num_queries(1):
        history = subtree_score_history(units[COUNTY], until=day)
    assert [d for d, _ in history] == [day] and 0 < history[0][1] < 100
    CountyReport.objects.all().delete()
    assert subtree_score_history(units[COUNTY], until=day) == history  # the same, rolled up from the snapshots
