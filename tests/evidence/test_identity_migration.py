"""Migration evidence.0004 adds the live-row unique constraints; duplicates stored before it (the
double imports of issue 12) must not make it fail: later copies are soft-deleted with a reason,
and members of a second same-named team move to the first one."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("evidence", "0003_publicity_campaign_and_document_types")]
AFTER = [("evidence", "0004_live_identity_constraints_and_revision")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_it_retires_duplicates_stored_before_the_constraints(units):
    old = _migrate(BEFORE)
    try:
        Drill, Team, TeamMember = (old.get_model("evidence", n) for n in ("Drill", "Team", "TeamMember"))
        unit_id = units["140121100000"].pk
        common = {"unit_id": unit_id, "held_on": date(2026, 3, 10), "drill_type": "comprehensive", "subject": "演练"}
        first_drill = Drill.objects.create(fingerprint="f" * 64, **common)
        Drill.objects.create(fingerprint="f" * 64, **common)
        teams = [Team.objects.create(unit_id=unit_id, name="救援队", team_type="comprehensive", fingerprint=f"t{n}")
                 for n in range(2)]
        for n, team in enumerate(teams):  # the same person in both copies of the team
            TeamMember.objects.create(unit_id=unit_id, team=team, name="张三", id_number="140121197001010011",
                                      employment="part_time", joined_on=date(2025, 1, 1), fingerprint=f"m{n}")
        new = _migrate(AFTER)
        Drill, Team, TeamMember = (new.get_model("evidence", n) for n in ("Drill", "Team", "TeamMember"))
        assert list(Drill.objects.filter(deleted_at__isnull=True).values_list("pk", flat=True)) == [first_drill.pk]
        assert "重复" in Drill.objects.get(deleted_at__isnull=False).delete_reason
        assert list(Team.objects.filter(deleted_at__isnull=True).values_list("pk", flat=True)) == [teams[0].pk]
        live = TeamMember.objects.filter(deleted_at__isnull=True)
        assert [(m.team_id, m.identity_key) for m in live] == [(teams[0].pk, "id:140121197001010011")]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
