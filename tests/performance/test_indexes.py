"""The evidence of a county is read through indexes, not by scanning whole tables.

At national scale (about 700,000 units) one county is a few thousandths of every evidence table, so
the load must walk the unit-code index and then each table's unit index. The planner only does
that when the range is selective, so the test builds a table where it is: one small county among
many rows of other units, with fresh statistics.
"""

import json
import re
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.db import connection

from apps.compliance import selectors
from apps.devtools.synthetic import generate
from apps.evidence.models import Drill, Facility, Meeting, Team, TeamMember
from apps.jurisdictions.codes import subtree_range
from apps.jurisdictions.models import Unit

AS_OF = date(2025, 6, 30)
BACKGROUND_UNITS = 2000
ROWS_PER_UNIT = 20

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="EXPLAIN plans are PostgreSQL's; SQLite has no comparable planner"
)


def _background(county_code: str) -> None:
    """Many villages of another county, each with drills and meetings, inserted set-based."""
    parent = Unit.objects.get(code=county_code)
    villages = []
    for n in range(BACKGROUND_UNITS):
        unit = Unit(code=f"{county_code[:6]}{500 + n // 100:03d}{200 + n % 100:03d}", name=f"背景村{n}",
                    level="village", parent=parent, tracking_start=date(2024, 1, 1))
        unit.fill_ancestor_codes()
        villages.append(unit)
    Unit.objects.bulk_create(villages)
    with connection.cursor() as cursor:
        for model, columns, values in (
            (Drill, "held_on, drill_type, subject, evaluation", "d, 'comprehensive', '演练', ''"),
            (Meeting, "held_on, meeting_type, chair, topic", "d, 'secretary_study', '', '研究'"),
        ):
            cursor.execute(
                f"INSERT INTO {model._meta.db_table} (unit_id, review_status, review_note, source, fingerprint, "  # noqa: S608
                f"created_at, updated_at, delete_reason, revision, {columns}) "
                f"SELECT u.id, 'submitted', '', 'form', md5(u.id::text || '-' || g), now(), now(), '', 1, {values} "
                "FROM jurisdictions_unit u CROSS JOIN generate_series(1, %s) g, "
                "LATERAL (SELECT DATE '2024-01-01' + g * 17 AS d) x WHERE u.county_code = %s AND u.level = 'village'",
                [ROWS_PER_UNIT, county_code],
            )
        cursor.execute("ANALYZE jurisdictions_unit, evidence_drill, evidence_meeting")


@pytest.fixture(params=["force_custom_plan", "force_generic_plan"])
def plan_mode(request, db):
    """The night's statements are prepared once per connection (core.prepared): PostgreSQL plans
    them with their values first, and may then keep a generic plan made without them. Each plan
    test holds for both."""
    with connection.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = %s", [request.param])
        yield request.param
        cursor.execute("RESET plan_cache_mode")


def _plans(county) -> dict[str, str]:
    """EXPLAIN of each query the evidence load issues, by the evidence table it reads."""
    captured = []

    def grab(execute, sql, params, many, context):
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(grab):
        selectors.load_facts(subtree_range(county.code, county.level), AS_OF)
    plans = {}
    with connection.cursor() as cursor:
        for sql, params in captured:
            table = sql.split(" FROM ", 1)[1].split()[0].strip('"')
            cursor.execute("EXPLAIN " + sql, params)
            plans[table] = "\n".join(row[0] for row in cursor.fetchall())
    return plans


def test_it_reads_a_countys_drills_and_meetings_by_index_not_by_seq_scan(plan_mode):
    target = generate(counties=1, townships_per_county=1, villages_per_township=3, years=2, seed=1, as_of=AS_OF,
                      first_county=1).counties[0]
    generate(counties=1, townships_per_county=1, villages_per_township=1, years=1, seed=2, as_of=AS_OF,
             first_county=2)
    _background("990102000000")
    assert Drill.objects.count() > BACKGROUND_UNITS * ROWS_PER_UNIT

    plans = _plans(target)

    for table in ("evidence_drill", "evidence_meeting"):
        plan = plans[table]
        assert f"Seq Scan on {table}" not in plan, plan
        assert "Index Cond: (unit_id = jurisdictions_unit.id)" in plan, plan  # per unit, by the unit index
        assert "jurisdictions_unit_code_key" in plan, plan  # the subtree is an index range on the code
        assert bool(re.search(r"\$\d", plan)) == (plan_mode == "force_generic_plan"), plan  # made without values


def test_a_nights_snapshots_of_a_countys_units_are_read_by_index_after_the_run(plan_mode):
    """The carry-over (services.snapshots_carry) reads the previous night's rows of one county's
    units: one probe of the (unit, as_of) index per unit, not the whole night filtered unit by unit
    — also after the run's end refreshed the planner's statistics (night_statistics_refresh)."""
    from apps.compliance import services
    from apps.compliance.models import Snapshot

    target = generate(counties=1, townships_per_county=1, villages_per_township=3, years=1, seed=1, as_of=AS_OF,
                      first_county=1).counties[0]
    generate(counties=1, townships_per_county=1, villages_per_township=1, years=1, seed=2, as_of=AS_OF,
             first_county=2)
    _background("990102000000")
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {Snapshot._meta.db_table} (unit_id, as_of, score, grade, counts, results, "  # noqa: S608
                       "fingerprint, computed_at) SELECT id, %s, 80, '', '{}', '[]', 'k:' || data_version, now() "
                       "FROM jurisdictions_unit", [AS_OF])
    services.night_statistics_refresh()
    units = list(Unit.objects.subtree(target))
    captured = []

    def grab(execute, sql, params, many, context):
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(grab):
        carried = services.snapshots_carry(stamps={u.pk: f"k:{u.data_version}" for u in units}, since=AS_OF,
                                           as_of=AS_OF + timedelta(days=1))
    assert carried == {u.pk for u in units} and len(captured) == 1
    Snapshot.objects.filter(as_of=AS_OF + timedelta(days=1)).delete()  # the EXPLAIN ANALYZE copies them again
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + captured[0][0], captured[0][1])
        plan = cursor.fetchone()[0][0]["Plan"]
    assert Snapshot.objects.filter(as_of=AS_OF).count() > 50 * len(units)
    assert "Seq Scan" not in json.dumps(plan), plan
    assert _rows_read(plan) <= 2 * len(units), plan


def _teams_and_facilities(county_code: str) -> None:
    """One team of ten members and one facility per background village (the generated province's
    shape: every unit has its team and facilities)."""
    record = ("review_status, review_note, source, fingerprint, created_at, updated_at, delete_reason, revision, "
              "unit_id")
    villages = "FROM jurisdictions_unit u WHERE u.county_code = %s AND u.level = 'village'"
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {Team._meta.db_table} ({record}, name, team_type) "  # noqa: S608
                       f"SELECT 'submitted', '', 'form', md5('t' || u.id), now(), now(), '', 1, u.id, "
                       f"u.name || '队', 'comprehensive' {villages}", [county_code])
        cursor.execute(f"INSERT INTO {Facility._meta.db_table} ({record}, facility_type, name, quantity, "  # noqa: S608
                       f"in_service_from) SELECT 'submitted', '', 'form', md5('f' || u.id), now(), now(), '', 1, "
                       f"u.id, 'shelter', '避难场所', 1, DATE '2024-01-01' {villages}", [county_code])
        cursor.execute(f"INSERT INTO {TeamMember._meta.db_table} ({record}, team_id, name, id_number, phone, "  # noqa: S608
                       "identity_key, employment, joined_on) SELECT 'submitted', '', 'form', md5('m' || t.id || g), "
                       "now(), now(), '', 1, t.unit_id, t.id, '队员', '', '', '', 'full_time', DATE '2024-01-01' "
                       f"FROM {Team._meta.db_table} t CROSS JOIN generate_series(1, 10) g")
        cursor.execute("ANALYZE jurisdictions_unit, evidence_team, evidence_teammember, evidence_facility")


def test_the_planner_is_told_that_random_reads_cost_about_as_much_as_sequential_ones(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert float(cursor.fetchone()[0]) == settings.DATABASE_RANDOM_PAGE_COST == 1.1


def test_prepared_statements_are_planned_without_their_values_from_the_first_run(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == "force_generic_plan"


def test_a_countys_team_members_and_facilities_are_read_through_its_units_not_by_scanning_the_province(plan_mode):
    """A county is about 1/70 of the generated province. With PostgreSQL's default cost of a
    random read (4.0, for spinning disks) the planner scanned every team and facility of the
    province for each county (on the generated province; on this small shape the choice under
    4.0 varies with the sampled statistics, so the setting itself is pinned by the test above);
    with the configured cost it probes the county's units."""
    target = generate(counties=1, townships_per_county=1, villages_per_township=20, years=1, seed=1, as_of=AS_OF,
                      first_county=1).counties[0]
    generate(counties=1, townships_per_county=1, villages_per_township=1, years=1, seed=2, as_of=AS_OF,
             first_county=2)
    _background("990102000000")
    _teams_and_facilities("990102000000")

    plans = _plans(target)

    for table in ("evidence_teammember", "evidence_facility"):
        assert "Seq Scan on evidence_" not in plans[table], plans[table]
        assert "jurisdictions_unit_code_key" in plans[table], plans[table]


def test_duplicate_memberships_of_the_evaluated_units_are_looked_up_by_identity_key(db):
    """「重复在册」 on a warm night: the evaluated units' members with an ID number, and their other
    memberships, come from the partial index of keyed members, not from the county's teams (the
    night's team facts, selectors.team_facts)."""
    target = generate(counties=1, townships_per_county=1, villages_per_township=20, years=1, seed=1, as_of=AS_OF,
                      first_county=1).counties[0]
    _background("990101000000")
    _teams_and_facilities("990101000000")
    evaluated = list(Unit.objects.subtree(target).filter(level="village").values_list("pk", flat=True)[:3])
    captured = []

    def grab(execute, sql, params, many, context):
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(grab):
        selectors.team_facts(subtree_range(target.code, target.level), AS_OF, evaluated)
    (sql, params), = captured
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "teammember_identity_key_idx" in plan, plan
    assert "Seq Scan" not in plan, plan


def _rows_read(plan: dict) -> int:
    """The most rows any node of an EXPLAIN ANALYZE (JSON) plan produced or filtered out."""
    here = plan.get("Actual Rows", 0) * plan.get("Actual Loops", 1) + plan.get("Rows Removed by Filter", 0)
    return max([here, *(_rows_read(child) for child in plan.get("Plans", []))])


def test_a_county_task_touches_only_its_own_rows_of_a_night_the_statistics_do_not_know_yet(plan_mode):
    """While a night runs, the planner has no statistics for its date (it counts one row): the
    county task's delete of its snapshots and overdue rows and its read of the tallies must still
    go to the county's rows, not through every row the night has written for earlier counties."""
    from apps.compliance import services
    from apps.compliance.models import CountyOverdueRow, Snapshot

    target = generate(counties=1, townships_per_county=1, villages_per_township=3, years=1, seed=1, as_of=AS_OF,
                      first_county=1).counties[0]
    generate(counties=1, townships_per_county=1, villages_per_township=1, years=1, seed=2, as_of=AS_OF,
             first_county=2)
    _background("990102000000")
    other = Unit.objects.get(code="990102000000")
    last_night = date.fromordinal(AS_OF.toordinal() - 1)

    def night(day, units):
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {Snapshot._meta.db_table} (unit_id, as_of, score, grade, counts, results, "  # noqa: S608
                           "fingerprint, computed_at) SELECT id, %s, 80, '', '{}', '[]', '', now() "
                           "FROM jurisdictions_unit WHERE code LIKE %s", [day, units])
            cursor.execute(f"INSERT INTO {CountyOverdueRow._meta.db_table} (county_id, as_of, position, unit_code, "  # noqa: S608
                           "unit_name, requirement, requirement_title, due, status, source, missing, subject) "
                           "SELECT CASE WHEN code LIKE '990101%%' THEN %s ELSE %s END, %s, 0, code, name, 'R', 'R', "
                           "%s, 'overdue', '', '', '' FROM jurisdictions_unit WHERE code LIKE %s",
                           [target.pk, other.pk, day, day, units])

    night(last_night, "99%")
    services.night_statistics_refresh()  # the end of last night's run
    night(AS_OF, "990102%")  # tonight, the counties before this one
    night(AS_OF, "990101%")
    ids = list(Unit.objects.subtree(target).values_list("pk", flat=True))
    captured = []

    def grab(execute, sql, params, many, context):
        if sql.lstrip().startswith(("DELETE", "EXECUTE")) or (
                sql.startswith("SELECT") and '"compliance_countyoverduerow"' in sql):
            captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(grab):
        tallies = selectors.stored_tallies(target.pk, AS_OF, selectors.summary_digits(target))
        services.snapshots_store(units=list(Unit.objects.filter(pk__in=ids)), evaluations={}, fingerprints={},
                                 as_of=AS_OF)
        services.overdue_rows_store(county=target, as_of=AS_OF, rows=[])
    assert sum(t.tasks for t in tallies) == len(ids) and len(captured) == 3
    assert Snapshot.objects.filter(as_of=AS_OF).count() > 100 * len(ids)
    with connection.cursor() as cursor:
        for sql, params in captured:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0][0]["Plan"]
            assert _rows_read(plan) <= 2 * len(ids), (sql, plan)


def test_the_nights_rows_carry_no_row_by_row_foreign_key_checks(db):
    """A county task writes or carries over about a thousand snapshot and overdue rows; a
    (deferred) foreign key would check and lock the unit again for each of them at commit."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT conrelid::regclass::text FROM pg_constraint WHERE contype = 'f' "
                       "AND conrelid IN ('compliance_snapshot'::regclass, 'compliance_countyoverduerow'::regclass)")
        assert cursor.fetchall() == []
        # The reports keep theirs: one row per county, and what the night's rows hang on.
        cursor.execute("SELECT count(*) FROM pg_constraint WHERE contype = 'f' "
                       "AND conrelid = 'compliance_countyreport'::regclass")
        assert cursor.fetchone()[0] >= 1
