"""The nightly evaluation is set-based: its cost in queries does not grow with the villages.

Timings live in benchmarks/nightly.py; these tests pin the properties that make them scale.
"""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.compliance import rules, selectors, services, tasks
from apps.compliance.models import Snapshot
from apps.devtools.synthetic import generate
from apps.evidence.models import Drill
from apps.jurisdictions.codes import subtree_range

AS_OF = date(2026, 3, 1)
REAL_COPY = services.copy_rows


def _county(number: int, villages: int):
    county = generate(counties=1, townships_per_county=2, villages_per_township=villages, years=2, seed=number,
                      as_of=AS_OF, first_county=number).counties[0]
    # Every township misses last year's drill, so every township has reminders to send: a county
    # without any skips the recipients' queries, and the counts would differ for that reason alone.
    Drill.objects.filter(unit__parent=county).delete()
    return county


def _county_task_queries(county) -> list[str]:
    run = services.evaluation_run_start(as_of=AS_OF, trigger="test")
    selectors._NIGHT_CATALOG.clear()  # each task as the first of its process (it reads the catalog)
    with CaptureQueriesContext(connection) as ctx:
        result = tasks.evaluate_county.apply(args=[run.pk, county.pk, AS_OF.isoformat()]).get()
    assert result["ok"], result
    return [q["sql"] for q in ctx.captured_queries]


def test_it_runs_a_county_task_in_the_same_number_of_queries_for_2_or_16_villages(catalog, eager):
    small = _county(1, villages=1)
    big = _county(2, villages=8)

    small_queries = _county_task_queries(small)
    big_queries = _county_task_queries(big)

    assert Snapshot.objects.filter(unit__county_code=big.code).count() == 1 + 2 + 16
    assert len(big_queries) == len(small_queries)


def test_it_runs_a_county_task_with_fresh_snapshots_in_fewer_queries(catalog, eager):
    county = _county(1, villages=3)
    cold = _county_task_queries(county)
    warm = _county_task_queries(county)
    assert len(warm) < len(cold)
    assert not any("INSERT INTO \"compliance_snapshot\"" in sql for sql in warm)


def _store(county, monkeypatch) -> tuple[list[str], list[int]]:
    """The statements of one snapshot write, and the rows each COPY carried (PostgreSQL)."""
    units = selectors.subtree_units(county)
    evaluations = selectors.compute(units, subtree_range(county.code, county.level), AS_OF)
    copies: list[int] = []

    def spy(cursor, sql, data):
        copies.append(data.count("\n"))
        return REAL_COPY(cursor, sql, data)

    monkeypatch.setattr(services, "copy_rows", spy)
    with CaptureQueriesContext(connection) as ctx:
        written = services.snapshots_store(units=units, evaluations=evaluations,
                                           fingerprints={u.pk: "f" for u in units})
    assert written == len(units)
    return [q["sql"] for q in ctx.captured_queries], copies


def test_it_writes_all_compact_snapshots_of_a_county_in_one_copy_or_insert(catalog, monkeypatch):
    small, small_copies = _store(_county(1, villages=1), monkeypatch)
    big, big_copies = _store(_county(2, villages=6), monkeypatch)

    assert len(small) == len(big)
    inserts = [sql for sql in big if sql.startswith('INSERT INTO "compliance_snapshot"')]
    if connection.vendor == "postgresql":
        assert (small_copies, big_copies, inserts) == ([1 + 2 + 2], [1 + 2 + 12], [])  # one COPY, no INSERT
    else:
        assert len(inserts) == 1 and small_copies == big_copies == []
    stored = Snapshot.objects.filter(unit__county_code=_county_code(2), as_of=AS_OF)
    assert stored.count() == 1 + 2 + 12
    assert all(isinstance(s.results, list) and s.fingerprint == "f" for s in stored)


def _county_code(number: int) -> str:
    return f"9901{number:02d}000000"


def test_it_loads_a_subtrees_evidence_in_one_query_per_kind(catalog):
    small = _county(1, villages=1)
    big = _county(2, villages=8)

    def load(county, loader):
        with CaptureQueriesContext(connection) as ctx:
            evidence = loader(subtree_range(county.code, county.level))
        return len(ctx), evidence

    # people, trainings, members, drills, meetings, documents, facilities, relays, and (the records)
    # the members of several teams of the county (「重复在册」, compliance/conflict_selectors.py) or
    # (the grouped facts) the teams' members counting with 「重复在册」 settled in the same statement
    for loader, queries in ((selectors.load_evidence, 9), (lambda rng: selectors.load_facts(rng, AS_OF), 8)):
        small_n, _ = load(small, loader)
        big_n, big_evidence = load(big, loader)
        assert small_n == big_n == queries
        assert len(big_evidence) == 2 + 16  # every township and village has evidence (the county itself none)


def test_it_groups_facilities_and_trainings_in_the_database(catalog):
    county = _county(1, villages=3)
    rng = subtree_range(county.code, county.level)
    with CaptureQueriesContext(connection) as ctx:
        facts = selectors.load_facts(rng, AS_OF)
    by_table = {q["sql"].split(" FROM ", 1)[1].split()[0].strip('"'): q["sql"] for q in ctx.captured_queries}
    assert "GROUP BY" in by_table["evidence_facility"] and "SUM(" in by_table["evidence_facility"]
    if connection.vendor == "postgresql":
        assert "ARRAY_AGG(" in by_table["evidence_training"]
    rows = selectors.load_evidence(rng)
    for uid, evidence in facts.items():  # the same figures as the records give, and no facility row
        assert evidence.facilities == [] and evidence.trainings == []
        by_person = rules.training_dates(rows[uid], AS_OF)
        assert rules.training_dates(evidence, AS_OF) == {pk: sorted(dates) for pk, dates in by_person.items()}
        assert rules.facility_totals(evidence, AS_OF) == rules.facility_totals(rows[uid], AS_OF)


def test_the_county_task_evaluates_with_the_cyclic_collector_paused_and_restores_it(catalog, eager, monkeypatch):
    import gc

    county = _county(1, villages=1)
    seen = []
    real_build = services.county_report_build

    def build(**kwargs):
        seen.append(gc.isenabled())
        return real_build(**kwargs)

    def broken(**kwargs):
        seen.append(gc.isenabled())
        raise RuntimeError("boom")

    run = services.evaluation_run_start(as_of=AS_OF, trigger="test")
    assert gc.isenabled()
    monkeypatch.setattr(services, "county_report_build", build)
    assert tasks.evaluate_county.apply(args=[run.pk, county.pk, AS_OF.isoformat()]).get()["ok"]
    monkeypatch.setattr(services, "county_report_build", broken)
    assert not tasks.evaluate_county.apply(args=[run.pk, county.pk, AS_OF.isoformat()]).get()["ok"]
    assert seen == [False, False]
    assert gc.isenabled()


@pytest.mark.parametrize("text", ["a\\b", "tab\there", "a\nb\r\n", "\\N", "\\.", "普通文本"])
def test_the_bulk_writer_stores_text_and_json_exactly_whatever_characters_they_hold(db, text):
    from apps.jurisdictions.models import Unit

    unit = Unit.objects.create(code="990101000000", name="县", level="county")
    plain = Unit.objects.create(code="990102000000", name="县", level="county")  # a row beside it, with none
    row = [unit.pk, "2026-03-01", 61.5, text, {text: 1}, [[text, 1, "overdue", None, 2.5, 3, 1.0]], text,
           None, "2026-03-01T02:30:00+00:00"]
    with connection.cursor() as cursor:
        services.rows_write(cursor, Snapshot._meta.db_table, services.SNAPSHOT_COLUMNS,
                            [[plain.pk, "2026-03-01", None, "合格", {}, [], "k:1", "2026-04-01", row[-1]], row],
                            json_columns=("counts", "results"))
    stored = Snapshot.objects.get(unit=unit)
    assert (stored.score, stored.grade, stored.counts, stored.results, stored.fingerprint, stored.valid_until) == (
        61.5, text, {text: 1}, [[text, 1, "overdue", None, 2.5, 3, 1.0]], text, None)
    beside = Snapshot.objects.get(unit=plain)
    assert (beside.score, beside.grade, beside.counts, beside.results, beside.fingerprint, beside.valid_until) == (
        None, "合格", {}, [], "k:1", date(2026, 4, 1))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite builds the queries each time (its converters)")
def test_the_nights_evidence_queries_are_compiled_once_per_process_and_give_the_same_facts(catalog, monkeypatch):
    from django.db.models.sql.compiler import SQLCompiler

    first, second = _county(1, villages=2), _county(2, villages=3)
    villages = list(second.children.first().children.values_list("pk", flat=True))
    selectors._COMPILED.clear()
    selectors.load_facts(subtree_range(first.code, first.level), AS_OF)
    selectors.load_facts(subtree_range(first.code, first.level), AS_OF, unit_ids=villages[:1])
    expected = {ids: selectors.load_facts(subtree_range(second.code, second.level), date(2026, 2, 1),
                                          unit_ids=list(ids) if ids else None)
                for ids in (None, tuple(villages))}
    compiled = []
    real = SQLCompiler.as_sql
    monkeypatch.setattr(SQLCompiler, "as_sql", lambda self, *a, **kw: compiled.append(1) or real(self, *a, **kw))
    for ids, facts in expected.items():
        again = selectors.load_facts(subtree_range(second.code, second.level), date(2026, 2, 1),
                                     unit_ids=list(ids) if ids else None)
        assert again == facts and len(again) > 0
    assert compiled == []


def test_the_night_reads_a_countys_units_as_rows_with_the_models_values(db):
    county = _county(1, villages=3)
    models = selectors.subtree_units(county)
    models[1].set_flags(["forest_fire", "high_risk"])
    models[1].save()
    rows = selectors.night_units(county)
    assert [r.pk for r in rows] == [u.pk for u in selectors.subtree_units(county)]
    for row, unit in zip(rows, selectors.subtree_units(county), strict=True):
        assert not isinstance(row, type(unit))  # no model instance built
        assert (row.code, row.name, row.level, row.province_code, row.tracking_start, row.data_version,
                row.parent_id, row.flag_list, row.code_prefix) == (
            unit.code, unit.name, unit.level, unit.province_code, unit.tracking_start, unit.data_version,
            unit.parent_id, unit.flag_list, unit.code_prefix)
        assert selectors.unit_facts(row) == selectors.unit_facts(unit)
    assert rows[1].flag_list == ["forest_fire", "high_risk"]
