"""Input handling that contradicted the docs (issue 12): an unterminated CSV quote, control and
bidi characters in text, full-width forms, Excel serial dates typed as text, and ID or mobile
numbers typed into free text."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from apps.evidence.importing import import_records
from apps.evidence.kinds import KINDS
from apps.evidence.models import Drill, Person, TeamMember
from apps.evidence.services import record_create
from apps.portal.services import supervision_create
from tests.evidence.helpers import PERSON_ROW, QINGYUAN, csv_bytes, make_id

JSON = "application/json"
ID = make_id(42)
PHONE = "13912345678"


def _drill_row(subject="防汛演练", evaluation="", held_on="2026-03-10"):
    return [QINGYUAN, held_on, "综合演练", subject, "30", evaluation]


# -- CSV structure ----------------------------------------------------------------------------


def test_it_refuses_a_csv_row_with_an_unterminated_quote_naming_its_line(people, today):
    data = csv_bytes("drills", [_drill_row(), _drill_row(subject='"unterminated'), _drill_row(subject="第三行")])
    result = import_records(kind="drills", data=data, actor=people["township"])
    assert not result.ok and Drill.objects.count() == 0
    assert [(e.row, e.column) for e in result.errors] == [(0, "")]
    assert "第 3 行的引号没有闭合" in result.errors[0].message


# -- control and bidi characters ----------------------------------------------------------------


@pytest.mark.parametrize("bad", ["防汛\x07演练", "防汛\r演练", "防汛\u202e练演", "\u2066防汛演练\u2069"])
def test_it_refuses_control_and_bidi_characters_in_an_import(people, today, bad):
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL).writerows([KINDS["drills"].headers, _drill_row(subject=bad)])
    result = import_records(kind="drills", data=buffer.getvalue().encode(), actor=people["township"])
    assert [(e.row, e.column) for e in result.errors] == [(2, "演练科目")]
    assert f"U+{ord(next(c for c in bad if c not in '防汛演练')):04X}" in result.errors[0].message
    assert Drill.objects.count() == 0


def test_it_refuses_a_bidi_override_in_the_api_with_a_field_error(client_for, people, today):
    body = {"unit_code": QINGYUAN, "held_on": "2026-03-10", "drill_type": "comprehensive", "subject": "演练\u202e"}
    response = client_for(people["township"]).post("/api/v1/evidence/drills/", body, content_type=JSON)
    assert response.status_code == 400 and list(response.json()) == ["subject"]
    assert "U+202E" in response.json()["subject"][0]
    assert Drill.objects.count() == 0


def test_it_refuses_a_bell_in_a_form_field_but_keeps_textarea_line_breaks(client_for, people, today):
    client = client_for(people["township"])
    url = reverse("evidence:create", args=["drills", QINGYUAN])
    form = {"held_on": "2026-03-10", "drill_type": "comprehensive", "subject": "防汛\x07演练", "participants": "30",
            "evaluation": ""}
    page = client.post(url, form)
    assert page.status_code == 200 and "U+0007" in page.content.decode()
    assert Drill.objects.count() == 0
    client.post(url, {**form, "subject": "防汛演练", "evaluation": "第一行\r\n第二行"})
    assert Drill.objects.get().evaluation == "第一行\n第二行"


def test_it_refuses_control_characters_in_a_supervision(people, units):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="U\\+202E"):
        supervision_create(actor=people["county"], unit=units[QINGYUAN], text="请尽快\u202e演练")


# -- full-width forms and typed serial dates ------------------------------------------------------


def test_it_stores_free_text_as_typed_from_a_gb18030_file(people, today):
    rows = [[QINGYUAN, "清源镇应急救援队（一）", "综合", "李四（大）", ID, "", "兼职", "2025-01-01", ""]]
    result = import_records(kind="roster", data=csv_bytes("roster", rows, encoding="gb18030"),
                            actor=people["township"])
    assert result.ok, result.errors
    member = TeamMember.objects.get()
    assert (member.team.name, member.name) == ("清源镇应急救援队（一）", "李四（大）")


@pytest.mark.parametrize("typed", ["＋86 138-0000-0002", "＋８６ １３８－００００－０００２", "138—0000—0002"])
def test_it_reads_a_full_width_phone_number_as_half_width(people, today, typed):
    row = [*PERSON_ROW[:3], typed, *PERSON_ROW[4:]]
    result = import_records(kind="personnel", data=csv_bytes("personnel", [row]), actor=people["township"])
    assert result.ok, result.errors
    assert Person.objects.get().phone == "13800000002"


def test_it_reads_full_width_digits_in_numbers_and_dates(client_for, people, today):
    body = {"unit_code": QINGYUAN, "held_on": "２０２６－０３－１０", "drill_type": "综合演练", "subject": "演练",
            "participants": "３０"}
    response = client_for(people["township"]).post("/api/v1/evidence/drills/", body, content_type=JSON)
    assert response.status_code == 201, response.json()
    assert (Drill.objects.get().held_on, Drill.objects.get().participants) == (date(2026, 3, 10), 30)


def test_it_reads_an_excel_serial_date_typed_as_text_in_a_csv(people, today):
    result = import_records(kind="drills", data=csv_bytes("drills", [_drill_row(held_on="46082")]),
                            actor=people["township"])
    assert result.ok, result.errors
    assert Drill.objects.get().held_on == date(2026, 3, 1)


def test_it_still_refuses_a_year_or_a_short_number_as_a_date(people, today):
    result = import_records(kind="drills", data=csv_bytes("drills", [_drill_row(held_on="2026")]),
                            actor=people["township"])
    assert [(e.row, e.column) for e in result.errors] == [(2, "演练日期")]


# -- ID and mobile numbers typed into free text --------------------------------------------------


@pytest.fixture
def chatty_drill(units, people, today):
    return record_create(kind="drills", unit=units[QINGYUAN], actor=people["township"],
                         values={"held_on": date(2026, 3, 10), "drill_type": "comprehensive",
                                 "subject": f"联系人手机 {PHONE}", "participants": 30,
                                 "evaluation": f"负责人身份证 {ID}"})


def test_it_masks_numbers_typed_into_free_text_for_everyone_but_the_units_staff(client_for, people, chatty_drill):
    detail = reverse("evidence:detail", args=["drills", chatty_drill.pk])
    api = f"/api/v1/evidence/drills/{chatty_drill.pk}/"
    listing = reverse("evidence:list", args=["drills"])
    for role in ("county", "auditor"):
        client = client_for(people[role])
        for response in (client.get(detail), client.get(api), client.get(listing)):
            text = response.content.decode()
            assert PHONE not in text and ID not in text, role
            assert "139****5678" in text
    own = client_for(people["township"])
    text = own.get(detail).content.decode() + own.get(api).content.decode()
    assert PHONE in text and ID in text


def test_it_masks_a_return_reason_quoting_a_phone_for_outsiders_of_the_unit(client_for, people, chatty_drill):
    county = client_for(people["county"])
    county.post(f"/api/v1/evidence/drills/{chatty_drill.pk}/review/",
                {"decision": "return", "note": f"请联系 {PHONE} 补材料", "revision": 1}, content_type=JSON)
    page = county.get(reverse("evidence:detail", args=["drills", chatty_drill.pk])).content.decode()
    assert PHONE not in page and "139****5678" in page
    assert PHONE in client_for(people["township"]).get(
        reverse("evidence:detail", args=["drills", chatty_drill.pk])).content.decode()


def test_it_masks_numbers_in_a_supervision_for_everyone_but_the_units_staff(client_for, people, units):
    supervision_create(actor=people["county"], unit=units[QINGYUAN], text=f"请联系 {PHONE}，身份证 {ID}")
    page = client_for(people["county"]).get(reverse("portal:supervisions", args=[QINGYUAN])).content.decode()
    assert PHONE not in page and ID not in page and "139****5678" in page
    own = client_for(people["township"]).get(reverse("portal:supervisions", args=[QINGYUAN])).content.decode()
    assert PHONE in own and ID in own
