"""Each kind's template: downloaded, filled in Excel (openpyxl here), imported through the web
page and through the command. The headers are the contract of issue 4, spelled out here."""

import io
from datetime import date, datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from apps.evidence.kinds import KINDS
from apps.evidence.models import Person
from tests.evidence.helpers import PERSON_ROW, QINGYUAN, csv_bytes
from tests.evidence.test_importing import MODELS, ROWS

HEADERS = {
    "personnel": ["单位代码", "姓名", "身份证号", "手机号", "人员类别", "任职日期"],
    "roster": ["单位代码", "队伍名称", "队伍类型", "姓名", "身份证号", "手机号", "专兼职", "入队日期", "离队日期"],
    "drills": ["单位代码", "演练日期", "演练类型", "演练科目", "参演人数", "评估结论"],
    "trainings": ["单位代码", "身份证号", "姓名", "培训日期", "培训名称", "学时"],
    "meetings": ["单位代码", "会议日期", "会议类型", "主持人", "议题"],
    "facilities": ["单位代码", "类型", "名称", "数量", "启用日期"],
    "warnings": ["单位代码", "预警编号", "接收时间", "传递时间"],
    "documents": ["单位代码", "文件类型", "标题", "版本", "日期", "有效期至", "宣传活动"],
}


def _download(client, kind) -> bytes:
    response = client.get(reverse("evidence:template", args=[kind]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    return response.content


def _fill(template: bytes, rows: list[list]) -> bytes:
    """What a township clerk does in Excel: type rows under the header, dates as date cells."""
    wb = load_workbook(io.BytesIO(template))
    ws = wb.worksheets[0]
    for row in rows:
        ws.append([_as_excel(v) for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _as_excel(value):
    """Excel turns typed ISO dates and times into date cells and numbers into numbers."""
    text = str(value)
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        return date.fromisoformat(text)
    if len(text) == 16 and text[4] == "-" and text[13] == ":":
        return datetime.fromisoformat(text)
    return int(text) if text.isdigit() and len(text) < 6 else value


def _prepare(kind, client, people):
    if kind == "trainings":  # trainings name people already registered
        client.post(reverse("evidence:import"), {"kind": "personnel", "file": _upload(csv_bytes("personnel",
                                                                                               [PERSON_ROW]))})
        assert Person.objects.count() == 1


def _upload(data: bytes, name="filled.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


@pytest.mark.parametrize("kind", list(HEADERS))
def test_it_offers_each_template_with_the_exact_headers(kind, client_for, people):
    ws = load_workbook(io.BytesIO(_download(client_for(people["township"]), kind))).worksheets[0]
    assert [c.value for c in ws[1]] == HEADERS[kind]
    assert ws.max_row == 1  # no sample rows that would be imported by mistake: the example has its own sheet


@pytest.mark.parametrize("kind", list(HEADERS))
def test_each_template_carries_an_example_row_on_its_own_sheet(kind, client_for, people):
    book = load_workbook(io.BytesIO(_download(client_for(people["township"]), kind)))
    example = book["填写示例"]
    assert [c.value for c in example[1]] == HEADERS[kind]
    row = dict(zip(HEADERS[kind], example[2], strict=True))
    assert row["单位代码"].value == QINGYUAN and row["单位代码"].data_type == "s"
    required = {f.label for f in KINDS[kind].template_fields if f.required}
    assert all(row[h].value is not None for h in required)
    for header, cell in row.items():
        if header.endswith(("日期", "时间")):
            assert cell.is_date, header
    # The example row itself passes the import (it is what a correct row looks like).
    if kind != "trainings":  # a training names a person registered first
        values = [[c.value for c in example[2]]]
        wb = load_workbook(io.BytesIO(_download(client_for(people["township"]), kind)))
        wb.worksheets[0].append(values[0])
        out = io.BytesIO()
        wb.save(out)
        from apps.evidence.importing import import_records

        result = import_records(kind=kind, data=out.getvalue(), actor=people["township"], today=date(2026, 6, 30))
        assert result.ok, result.errors


def test_the_template_lists_the_users_own_units_and_only_those(client_for, people, units):
    book = load_workbook(io.BytesIO(_download(client_for(people["township"]), "roster")))
    listing = [tuple(c.value for c in row) for row in book["本单位代码"].iter_rows(min_row=2)]
    assert listing[0] == (QINGYUAN, "清源镇")
    assert {code for code, _ in listing} == {u.code for u in units.values()
                                            if u.code.startswith("140121100") and u.level in ("township", "village")}
    assert all(c.data_type == "s" for row in book["本单位代码"].iter_rows(min_row=2, max_col=1) for c in row)
    other = load_workbook(io.BytesIO(_download(client_for(people["other_township"]), "roster")))
    assert QINGYUAN not in {row[0].value for row in other["本单位代码"].iter_rows(min_row=2)}


def test_the_drop_downs_reject_other_values_with_the_defined_message(client_for, people):
    ws = load_workbook(io.BytesIO(_download(client_for(people["township"]), "roster"))).worksheets[0]
    by_column = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            by_column[ws.cell(1, rng.min_col).value] = dv
    assert set(by_column) == {"单位代码", "队伍类型", "专兼职"}
    for header, dv in by_column.items():
        assert dv.type == "list" and dv.showErrorMessage and dv.errorStyle in (None, "stop"), header
        assert dv.error and dv.errorTitle == "取值无效", header
    assert by_column["队伍类型"].formula1 == '"综合,专业,社会"'
    assert by_column["专兼职"].formula1 == '"专职,兼职"'
    assert by_column["单位代码"].formula1.startswith("'本单位代码'!$A$2:$A$")


@pytest.mark.parametrize("kind", list(HEADERS))
def test_it_imports_a_filled_template_through_the_web_page(kind, client_for, people, today):
    client = client_for(people["township"])
    _prepare(kind, client, people)
    filled = _fill(_download(client, kind), ROWS[kind])
    response = client.post(reverse("evidence:import"), {"kind": kind, "file": _upload(filled)}, follow=True)
    if kind == "roster":  # the roster names a team that does not exist yet: confirmed first
        assert "将新建队伍：清源镇 清源镇综合救援队（综合）" in response.content.decode()
        response = client.post(reverse("evidence:import"), {"confirm_token": response.context["confirm_token"]},
                               follow=True)
    assert "导入完成" in response.content.decode()
    assert MODELS[kind].objects.filter(source="import", created_by=people["township"]).count() == len(ROWS[kind])
    again = client.post(reverse("evidence:import"), {"kind": kind, "file": _upload(filled)}, follow=True)
    assert f"新增 0 条，与已有记录相同而跳过 {len(ROWS[kind])} 条" in again.content.decode()


@pytest.mark.parametrize("kind", list(HEADERS))
def test_it_imports_a_filled_template_through_the_command(kind, client_for, people, today, tmp_path, capsys):
    client = client_for(people["township"])
    _prepare(kind, client, people)
    path = tmp_path / f"{kind}.xlsx"
    path.write_bytes(_fill(_download(client, kind), ROWS[kind]))
    call_command("import_records", kind, str(path), "--user", "township")
    assert f"新增 {len(ROWS[kind])} 条" in capsys.readouterr().out
    assert MODELS[kind].objects.filter(source="import").count() == len(ROWS[kind])


def test_it_lists_every_error_on_the_page_and_saves_nothing(client_for, people, today):
    client = client_for(people["township"])
    bad = [ROWS["drills"][0], [QINGYUAN, "2026-13-01", "演习", "科目", "", ""]]
    response = client.post(reverse("evidence:import"), {"kind": "drills", "file": _upload(csv_bytes("drills", bad),
                                                                                          "bad.csv")})
    page = response.content.decode()
    assert response.status_code == 200
    assert "共 2 处错误，未保存任何数据" in page
    assert "<td>3</td><td>演练日期</td>" in page and "<td>3</td><td>演练类型</td>" in page
    assert MODELS["drills"].objects.count() == 0


def test_it_refuses_the_upload_page_to_users_who_cannot_submit(client_for, people):
    assert client_for(people["auditor"]).get(reverse("evidence:import")).status_code == 403


def test_it_refuses_a_file_naming_another_township(client_for, people, today):
    client = client_for(people["other_township"])
    response = client.post(reverse("evidence:import"),
                           {"kind": "personnel", "file": _upload(csv_bytes("personnel", [PERSON_ROW]), "p.csv")})
    page = response.content.decode()
    assert "不存在或不在您的填报范围内" in page
    assert "清源镇" not in page, "an outsider's file must not reveal the names of other units"
    assert Person.objects.count() == 0


def test_it_states_the_limits_on_the_upload_page(client_for, people, settings):
    settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_BYTES = 5000, 2 * 1024 * 1024
    page = client_for(people["township"]).get(reverse("evidence:import")).content.decode()
    assert "每个文件最多 5000 行、2 MB" in page


def test_it_names_the_teams_a_roster_would_create_and_saves_nothing_until_confirmed(client_for, people, today,
                                                                                   settings):
    from apps.evidence.models import Team, TeamMember

    client = client_for(people["township"])
    rows = [*ROWS["roster"], [QINGYUAN, "清源镇综合救缓队", "综合", "钱七", "", "", "兼职", "2025-03-01", ""]]
    response = client.post(reverse("evidence:import"), {"kind": "roster", "file": _upload(_fill(
        _download(client, "roster"), rows))})
    page = response.content.decode()
    assert response.status_code == 200
    assert "将新建队伍：清源镇 清源镇综合救援队（综合）、清源镇 清源镇综合救缓队（综合）" in page  # the typo shows
    assert "确认新建并导入" in page
    assert not Team.objects.exists() and not TeamMember.objects.exists()
    token = response.context["confirm_token"]
    # Another user's session cannot confirm it, and a wrong token is refused.
    other = client_for(people["other_township"])
    assert "确认已失效" in other.post(reverse("evidence:import"), {"confirm_token": token}, follow=True).content.decode()
    assert "确认已失效" in client.post(reverse("evidence:import"), {"confirm_token": "x"},
                                      follow=True).content.decode()
    assert not Team.objects.exists()


def test_it_imports_after_confirmation_and_asks_nothing_for_existing_teams(client_for, people, today):
    from apps.evidence.models import Team, TeamMember

    client = client_for(people["township"])
    filled = _fill(_download(client, "roster"), ROWS["roster"][:1])
    first = client.post(reverse("evidence:import"), {"kind": "roster", "file": _upload(filled)})
    confirmed = client.post(reverse("evidence:import"), {"confirm_token": first.context["confirm_token"]}, follow=True)
    assert "导入完成：共 1 行，新增 1 条，与已有记录相同而跳过 0 条，新建队伍 1 支" in confirmed.content.decode()
    assert Team.objects.get().name == "清源镇综合救援队" and TeamMember.objects.count() == 1
    # The token is used up: confirming twice imports nothing more.
    again = client.post(reverse("evidence:import"), {"confirm_token": first.context["confirm_token"]}, follow=True)
    assert "确认已失效" in again.content.decode()
    # A file naming only existing teams imports at once.
    more = _fill(_download(client, "roster"), ROWS["roster"][1:])
    response = client.post(reverse("evidence:import"), {"kind": "roster", "file": _upload(more)}, follow=True)
    assert "导入完成" in response.content.decode() and "将新建队伍" not in response.content.decode()
    assert Team.objects.count() == 1 and TeamMember.objects.count() == 2
