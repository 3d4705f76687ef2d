"""A failed import: errors grouped by column and message with counts and offending values, and an
Excel error report of the user's own rows with an error column added."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from apps.evidence.models import Person
from tests.evidence.helpers import QINGYUAN, make_id, xlsx_bytes


def _rows():
    good = [QINGYUAN, "张三", make_id(1), "13812345678", "乡镇（街道）干部", "2024-03-01"]
    bad_phone = [[QINGYUAN, f"李{i}", make_id(10 + i), "12345", "乡镇（街道）干部", "2024-03-01"] for i in range(7)]
    bad_unit = [[QINGYUAN, "王五", make_id(30), "", "乡镇（街道）干部", "2024-13-01"]]
    return [good, *bad_phone, *bad_unit]


def _upload(client):
    data = xlsx_bytes("personnel", _rows())
    return client.post(reverse("evidence:import"), {
        "kind": "personnel", "file": SimpleUploadedFile("人员.xlsx", data)})


def test_it_groups_errors_by_column_and_message_with_counts(client_for, people, today):
    client = client_for(people["township"])
    html = _upload(client).content.decode()
    assert not Person.objects.exists()
    section = html[html.index('id="import-errors"'):]
    phone = section[section.index("手机号"):]
    phone = phone[:phone.index("</tr>")]
    assert '<td class="num">7</td>' in phone  # seven rows, one group
    assert "第 3 行：12345" in phone and "另有 2 行" in phone  # first five shown with the value
    assert "任职日期" in section and "第 10 行：2024-13-01" in section


def test_it_offers_the_users_rows_back_with_an_error_column(client_for, people, today):
    client = client_for(people["township"])
    _upload(client)
    response = client.get(reverse("evidence:import_errors"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-1] == "错误说明" and rows[0][:2] == ("单位代码", "姓名")
    assert rows[1][1] == "张三" and not rows[1][-1]  # a good row stays, with no error
    assert rows[2][1] == "李0" and "手机号" in rows[2][-1]
    assert len(rows) == 1 + len(_rows())


def test_it_keeps_the_report_to_the_uploaders_session(client_for, people, today):
    _upload(client_for(people["township"]))
    assert client_for(people["other_township"]).get(reverse("evidence:import_errors")).status_code == 404
