"""The freshness stamp (docs/performance.md, "Freshness"): every evidence write service moves
``Unit.data_version`` of the record's unit and of its county in the writer's transaction, and a
team membership also moves the other units of the county where the same person has a counted
membership (「重复在册」: the person counts towards one team only)."""

from datetime import date

import pytest

from apps.evidence.importing import import_records
from apps.evidence.kinds import KINDS
from apps.evidence.records import values_of
from apps.evidence.services import record_create, record_review, record_soft_delete, record_update
from apps.jurisdictions.models import Unit
from apps.jurisdictions.services import import_jurisdictions
from tests.evidence.helpers import PERSON_ROW, QINGYUAN, XUGOU, csv_bytes, make_id
from tests.evidence.test_importing import MODELS, ROWS

COUNTY = "140121000000"
# The business field each kind's edits change, and what makes a created record a second person.
EDITED = {"personnel": "phone", "roster": "phone", "drills": "subject", "trainings": "course", "meetings": "topic",
          "facilities": "name", "warnings": "warning_id", "documents": "title"}
VALUES = {"phone": ["13900002222", "13900003333", "13900004444"]}
OTHER = {"personnel": {"name": "钱七", "id_number": make_id(50)}, "roster": {"name": "孙八", "id_number": make_id(51)}}


def _edited(kind: str, record, n: int) -> dict:
    """The record's values with its kind's edited field changed (the n-th change)."""
    field = EDITED[kind]
    return {**values_of(KINDS[kind], record), field: VALUES.get(field, ["改一", "改二", "改三"])[n]}


def _stamps() -> dict[str, int]:
    return dict(Unit.objects.values_list("code", "data_version"))


class Watch:
    """Which units' stamps a step moved (each by exactly one: one UPDATE per write)."""

    def __init__(self):
        self.before = _stamps()

    def moved(self) -> set[str]:
        after = _stamps()
        assert all(after[c] - self.before.get(c, 0) in (0, 1) for c in after)  # a new unit starts at 0
        moved = {c for c in after if after[c] != self.before.get(c, 0)}
        self.before = after
        return moved


@pytest.mark.parametrize("kind", list(ROWS))
def test_it_moves_the_unit_and_county_stamps_on_every_evidence_write(kind, units, people, today):
    township, county = people["township"], people["county"]
    if kind == "trainings":
        assert import_records(kind="personnel", data=csv_bytes("personnel", [PERSON_ROW]), actor=township).ok
    watch = Watch()
    rows = [r for r in ROWS[kind] if r[0] == QINGYUAN]
    assert import_records(kind=kind, data=csv_bytes(kind, rows), actor=township).ok
    assert watch.moved() == {QINGYUAN, COUNTY}, "import"

    imported = MODELS[kind].objects.filter(unit__code=QINGYUAN).order_by("pk").first()
    record = record_create(kind=kind, unit=units[QINGYUAN], actor=township,
                           values={**_edited(kind, imported, 0), **OTHER.get(kind, {})})
    assert watch.moved() == {QINGYUAN, COUNTY}, "create"

    steps = [
        ("update", lambda r: record_update(record=r, values=_edited(kind, r, 1), actor=township,
                                           based_on=r.revision)),
        ("return", lambda r: record_review(record=r, actor=county, decision="return", note="缺附件",
                                           based_on=r.revision)),
        ("resubmit", lambda r: record_update(record=r, values=_edited(kind, r, 2), actor=township,
                                             based_on=r.revision)),
        ("verify", lambda r: record_review(record=r, actor=county, decision="verify", based_on=r.revision)),
        ("delete", lambda r: record_soft_delete(record=r, actor=township, reason="重复录入", based_on=r.revision)),
    ]
    for name, step in steps:
        record.refresh_from_db()
        step(record)
        assert watch.moved() == {QINGYUAN, COUNTY}, name  # and nothing elsewhere (another county)


def _member(user, unit, team, id_number, name):
    return record_create(kind="roster", unit=unit, actor=user,
                         values={"team_name": team, "team_type": "comprehensive", "name": name,
                                 "id_number": id_number, "phone": "", "employment": "full_time",
                                 "joined_on": date(2025, 1, 1), "left_on": None})


def test_it_moves_the_other_units_where_the_same_person_is_on_a_roster(units, people, today):
    shared = make_id(70)
    _member(people["other_township"], units[XUGOU], "徐沟镇救援队", shared, "周九")
    _member(people["other_township"], units[XUGOU], "徐沟镇救援队", make_id(71), "吴十")
    watch = Watch()
    mine = _member(people["township"], units[QINGYUAN], "清源镇救援队", shared, "周九")
    assert watch.moved() == {QINGYUAN, XUGOU, COUNTY}  # 徐沟镇's team may lose 周九 to 清源镇's
    someone_else = _member(people["township"], units[QINGYUAN], "清源镇救援队", make_id(72), "郑十一")
    assert watch.moved() == {QINGYUAN, COUNTY}  # nobody else has this person: 徐沟镇 stays current
    record_soft_delete(record=mine, actor=people["township"], reason="录错", based_on=mine.revision)
    assert watch.moved() == {QINGYUAN, XUGOU, COUNTY}
    # An edit that changes who the member is moves the units of the old person and of the new one.
    spec = KINDS["roster"]
    record_update(record=someone_else, values={**values_of(spec, someone_else), "id_number": shared},
                  actor=people["township"], based_on=someone_else.revision)
    assert watch.moved() == {QINGYUAN, XUGOU, COUNTY}


def test_it_moves_the_stamps_of_units_saved_or_imported(units):
    watch = Watch()
    village = units["140121100201"]
    village.set_flags(["high_natural_risk"])
    village.save()
    assert watch.moved() == {village.code, COUNTY}
    data = ("code,name,level,parent_code,flags,tracking_start\r\n"
            "140121101202,南关村,village,140121101000,,\r\n"
            "140121101201,北关村（更名）,village,140121101000,,\r\n"
            "140121100202,西街村,village,140121100000,high_natural_risk,\r\n").encode()
    assert import_jurisdictions(data=data).ok
    assert watch.moved() == {"140121101202", "140121101201", COUNTY}  # 西街村 is unchanged


def test_it_never_writes_a_stale_stamp_back_when_a_unit_is_saved(units):
    village = units["140121100201"]  # loaded before the concurrent writes below
    Unit.objects.filter(pk=village.pk).update(data_version=41)
    village.name = "东街社区"
    village.save()
    assert Unit.objects.get(pk=village.pk).data_version == 42
