"""Imports: every kind through the command, validation errors with row and column, atomic
rejection, idempotent re-import, encodings and Excel date cells."""

import io
import re
import zipfile
from datetime import date, datetime

import pytest
from django.core.management import CommandError, call_command

from apps.core.models import AuditEvent
from apps.evidence.importing import import_records
from apps.evidence.models import (
    Drill,
    Facility,
    Meeting,
    Person,
    StandingDocument,
    Team,
    TeamMember,
    Training,
    WarningRelay,
)
from tests.evidence.helpers import DONGJIE, PERSON_ROW, QINGYUAN, XUGOU, csv_bytes, make_id, xlsx_bytes

ROWS = {
    "personnel": [PERSON_ROW, [DONGJIE, "李四", "", "", "村(社区)两委成员", "2025/1/5"]],
    "roster": [
        [QINGYUAN, "清源镇综合救援队", "综合", "王五", make_id(2), "13900001111", "专职", "2025-01-01", ""],
        [QINGYUAN, "清源镇综合救援队", "综合", "赵六", make_id(3), "", "兼职", "2025年2月1日", "2026-01-01"],
    ],
    "drills": [[QINGYUAN, "2026-03-10", "综合演练", "防汛综合演练", "120", "良好"]],
    "trainings": [[QINGYUAN, make_id(1), "", "2026-04-01", "应急管理培训", "8"],
                  [QINGYUAN, "", "张三", "2026-05-01", "防汛培训", ""]],
    "meetings": [[QINGYUAN, "2026-02-01", "党组织书记牵头研究应急管理", "刘书记", "研究汛期工作"]],
    "facilities": [[QINGYUAN, "卫星电话", "北斗卫星电话", "2", "2024-05-01"]],
    "warnings": [[QINGYUAN, "晋气预警〔2026〕12号", "2026-06-01 08:00", "2026-06-01 08:07"]],
    "documents": [[QINGYUAN, "风险隐患一张图", "清源镇风险图", "v2", "2026-01-01", ""]],
}
MODELS = {"personnel": Person, "roster": TeamMember, "drills": Drill, "trainings": Training, "meetings": Meeting,
          "facilities": Facility, "warnings": WarningRelay, "documents": StandingDocument}


def _import(kind, rows, user, **kw):
    return import_records(kind=kind, data=csv_bytes(kind, rows, **kw), actor=user)


@pytest.mark.parametrize("kind", list(ROWS))
def test_it_imports_every_kind_through_the_command(kind, people, today, tmp_path):
    if kind == "trainings":
        assert _import("personnel", [PERSON_ROW], people["township"]).ok
    path = tmp_path / f"{kind}.csv"
    path.write_bytes(csv_bytes(kind, ROWS[kind]))
    call_command("import_records", kind, str(path), "--user", "township")
    assert MODELS[kind].objects.filter(source="import", review_status="submitted").count() == len(ROWS[kind])
    assert AuditEvent.objects.filter(action="evidence.import", detail__kind=kind).exists()


def test_it_stores_the_parsed_values(people, today):
    assert _import("roster", ROWS["roster"], people["township"]).ok
    team = Team.objects.get()
    assert (team.name, team.team_type) == ("清源镇综合救援队", "comprehensive")
    second = TeamMember.objects.get(name="赵六")
    assert (second.joined_on, second.left_on, second.employment) == (date(2025, 2, 1), date(2026, 1, 1), "part_time")
    assert _import("warnings", ROWS["warnings"], people["township"]).ok
    assert WarningRelay.objects.get().minutes == 7


def test_it_fails_the_command_with_every_error(people, today, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes("drills", [[QINGYUAN, "2026-13-01", "演习", "", "", ""]]))
    with pytest.raises(CommandError, match="3 处错误"):
        call_command("import_records", "drills", str(path), "--user", "township")
    err = capsys.readouterr().err
    assert "第 2 行，演练日期" in err and "第 2 行，演练类型" in err and "第 2 行，演练科目" in err


def test_it_imports_the_same_file_twice_without_duplicates(people, today):
    first = _import("roster", ROWS["roster"], people["township"])
    again = _import("roster", ROWS["roster"], people["township"])
    assert (first.created, again.created, again.skipped) == (2, 0, 2)
    assert TeamMember.objects.count() == 2 and Team.objects.count() == 1


def test_it_imports_a_corrected_file_without_duplicating_the_good_rows(people, today):
    bad = [ROWS["drills"][0], [QINGYUAN, "2026-03-11", "综合演练", "", "", ""]]
    assert not _import("drills", bad, people["township"]).ok
    assert Drill.objects.count() == 0
    assert _import("drills", [ROWS["drills"][0]], people["township"]).ok  # someone imports part of it
    fixed = [ROWS["drills"][0], [QINGYUAN, "2026-03-11", "综合演练", "地震专项", "", ""]]
    result = _import("drills", fixed, people["township"])
    assert (result.created, result.skipped) == (1, 1)
    assert Drill.objects.count() == 2


def test_it_rejects_the_whole_file_when_one_row_is_bad(people, today):
    rows = [*ROWS["roster"], [QINGYUAN, "清源镇综合救援队", "综合", "孙七", "140121198001011234", "", "专职",
                              "2025-01-01", ""]]
    result = _import("roster", rows, people["township"])
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(4, "身份证号")]
    assert TeamMember.objects.count() == 0 and Team.objects.count() == 0


# -- every validation rule: message, row and column ------------------------------------------

RULES = [
    ("personnel", [QINGYUAN, "", "", "", "乡镇(街道)干部", "2024-01-01"], "姓名", "不能为空"),
    ("personnel", [QINGYUAN, "张三", make_id(5)[:17] + ("1" if make_id(5)[17] != "1" else "2"), "",
                   "乡镇(街道)干部", "2024-01-01"], "身份证号", "校验位"),
    ("personnel", [QINGYUAN, "张三", "1101051949", "", "乡镇(街道)干部", "2024-01-01"], "身份证号", "18 位"),
    ("personnel", [QINGYUAN, "张三", "", "2381234567", "乡镇(街道)干部", "2024-01-01"], "手机号", "11 位"),
    ("personnel", [QINGYUAN, "张三", "", "", "村长", "2024-01-01"], "人员类别", "不是有效的人员类别"),
    ("personnel", [QINGYUAN, "张三", "", "", "乡镇(街道)干部", "2026-07-01"], "任职日期", "不能晚于今天"),
    ("personnel", [QINGYUAN, "张三", "", "", "乡镇(街道)干部", "2024-02-30"], "任职日期", "日期不存在"),
    ("personnel", [QINGYUAN, "张三", "", "", "乡镇(街道)干部", "上个月"], "任职日期", "格式无法识别"),
    ("personnel", ["999999999999", "张三", "", "", "乡镇(街道)干部", "2024-01-01"], "单位代码", "不存在"),
    ("personnel", ["1401211", "张三", "", "", "乡镇(街道)干部", "2024-01-01"], "单位代码", "12 位"),
    ("personnel", [XUGOU, "张三", "", "", "乡镇(街道)干部", "2024-01-01"], "单位代码", "不在您的填报范围内"),
    ("personnel", ["140121000000", "张三", "", "", "乡镇(街道)干部", "2024-01-01"], "单位代码", "不在您的填报范围内"),
    ("roster", [QINGYUAN, "队", "民兵", "王五", "", "", "专职", "2025-01-01", ""], "队伍类型", "不是有效的队伍类型"),
    ("roster", [QINGYUAN, "队", "综合", "王五", "", "", "全职", "2025-01-01", ""], "专兼职", "不是有效的专兼职"),
    ("roster", [QINGYUAN, "队", "综合", "王五", "", "", "专职", "2025-01-01", "2024-01-01"], "离队日期", "不能早于入队日期"),
    ("drills", [QINGYUAN, "2026-03-10", "实战演练", "科目", "", ""], "演练类型", "不是有效的演练类型"),
    ("drills", [QINGYUAN, "2026-03-10", "综合演练", "科" * 201, "", ""], "演练科目", "不能超过 200 个字"),
    ("drills", [QINGYUAN, "2026-03-10", "综合演练", "科目", "很多", ""], "参演人数", "应为整数"),
    ("drills", [QINGYUAN, "2026-03-10", "综合演练", "科目", "0", ""], "参演人数", "不能小于 1"),
    ("trainings", [QINGYUAN, "", "", "2026-04-01", "培训", ""], "姓名", "不能同时为空"),
    ("trainings", [QINGYUAN, make_id(99), "", "2026-04-01", "培训", ""], "身份证号", "未登记身份证号"),
    ("trainings", [QINGYUAN, "", "无此人", "2026-04-01", "培训", ""], "姓名", "未登记该姓名"),
    ("trainings", [QINGYUAN, make_id(1), "", "2026-04-01", "培训", "两小时"], "学时", "应为数字"),
    ("trainings", [QINGYUAN, make_id(1), "", "2026-04-01", "培训", "10000"], "学时", "数值过大"),
    ("meetings", [QINGYUAN, "2026-02-01", "座谈会", "", "议题"], "会议类型", "不是有效的会议类型"),
    ("meetings", [QINGYUAN, "2026-02-01", "其他", "", ""], "议题", "不能为空"),
    ("facilities", [QINGYUAN, "卫星电话", "电话", "-1", "2024-05-01"], "数量", "不能小于 1"),
    ("facilities", [QINGYUAN, "对讲机", "电话", "1", "2024-05-01"], "类型", "不是有效的类型"),
    ("warnings", [QINGYUAN, "W1", "2026-06-01 08:00", "2026-06-01 07:59"], "传递时间", "不能早于接收时间"),
    ("warnings", [QINGYUAN, "W1", "2026-06-01", "2026-06-01 08:10"], "接收时间", "精确到分钟"),
    ("warnings", [QINGYUAN, "W1", "2026-07-01 08:00", "2026-06-30 08:10"], "接收时间", "不能晚于今天"),
    ("documents", [QINGYUAN, "风险隐患一张图", "图", "", "2026-01-01", "2025-01-01"], "有效期至", "不能早于日期"),
    ("documents", [QINGYUAN, "地图", "图", "", "2026-01-01", ""], "文件类型", "不是有效的文件类型"),
    ("documents", [QINGYUAN, "宣传活动记录", "宣传", "", "2026-05-12", ""], "宣传活动", "须选择所属宣传活动"),
    ("documents", [QINGYUAN, "宣传活动记录", "宣传", "", "2026-05-12", "", "国庆"], "宣传活动", "不是有效的宣传活动"),
    ("documents", [QINGYUAN, "应急预案", "预案", "", "2026-05-12", "", "安全生产月"], "宣传活动", "仅宣传活动记录"),
    ("warnings", [QINGYUAN, "W1", "2026-06-01 25:00", "2026-06-01 08:10"], "接收时间", "时间不存在"),
]


@pytest.mark.parametrize(("kind", "row", "column", "reason"), RULES)
def test_it_reports_each_rule_with_row_and_column(kind, row, column, reason, people, today):
    if kind == "trainings":
        assert _import("personnel", [PERSON_ROW], people["township"]).ok
    result = _import(kind, [ROWS[kind][0], row], people["township"])
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(3, column)], result.errors
    assert reason in result.errors[0].message
    assert MODELS[kind].objects.count() == 0


def test_it_refuses_records_for_a_county_when_the_importer_may_see_it(people, today):
    result = _import("personnel", [["140121000000", "张三", "", "", "乡镇(街道)干部", "2024-01-01"]], None)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "单位代码", "清徐县不是乡镇(街道)或村(社区)，不能填报记录")]


def test_it_refuses_the_same_person_twice_in_one_team_or_file(people, today):
    row = ROWS["roster"][0]
    twice = _import("roster", [row, [*row[:7], "2025-03-01", ""]], people["township"])
    assert [(e.row, e.column) for e in twice.errors] == [(3, "身份证号")]
    assert "重复" in twice.errors[0].message
    assert _import("roster", [row], people["township"]).ok
    rejoined = _import("roster", [[*row[:7], "2025-03-01", ""]], people["township"])
    assert "不能重复" in rejoined.errors[0].message
    same_rows = _import("drills", [ROWS["drills"][0], ROWS["drills"][0]], people["township"])
    assert "完全相同" in same_rows.errors[0].message


def test_it_refuses_the_same_person_twice_in_one_personnel_file(people, today):
    rows = [PERSON_ROW, [*PERSON_ROW[:3], "13900000000", *PERSON_ROW[4:]]]
    result = _import("personnel", rows, people["township"])
    assert [(e.row, e.column) for e in result.errors] == [(3, "身份证号")]


def test_it_refuses_a_person_already_registered_in_the_same_category(people, today):
    assert _import("personnel", [PERSON_ROW], people["township"]).ok
    result = _import("personnel", [[*PERSON_ROW[:3], "13900000000", *PERSON_ROW[4:]]], people["township"])
    assert [(e.row, e.column) for e in result.errors] == [(2, "身份证号")]
    assert "该单位同一人员类别中登记" in result.errors[0].message


def test_it_asks_for_the_id_number_when_a_training_names_two_namesakes(people, today):
    namesake = [QINGYUAN, "张三", make_id(7), "", "信息报告员", "2024-03-01"]
    assert _import("personnel", [PERSON_ROW, namesake], people["township"]).ok
    result = _import("trainings", [[QINGYUAN, "", "张三", "2026-04-01", "培训", ""]], people["township"])
    assert [(e.row, e.column, e.message) for e in result.errors] == [(2, "姓名", "清源镇有多名同名人员，请填写身份证号")]


def test_it_reports_missing_and_unknown_columns(people, today):
    header = ["单位代码", "演练日期", "演练类型", "参演人数", "备注"]
    result = import_records(kind="drills", data=csv_bytes("drills", [], header=header) + b"x\r\n",
                            actor=people["township"])
    assert {(e.row, e.column) for e in result.errors} == {(1, "备注"), (1, "演练科目")}


def test_it_accepts_optional_columns_left_out_and_brackets_of_either_width(people, today):
    header = ["单位代码", "姓名", "人员类别", "任职日期"]
    data = csv_bytes("personnel", [[QINGYUAN, "钱八", "乡镇（街道）干部", "2024-01-01"]], header=header)
    assert import_records(kind="personnel", data=data, actor=people["township"]).ok
    assert Person.objects.get().category == "township_cadre"


def test_it_states_the_limits(people, today, settings):
    settings.IMPORT_MAX_ROWS = 1
    result = _import("drills", [ROWS["drills"][0], [*ROWS["drills"][0][:3], "另一科目", "", ""]], people["township"])
    assert "超过 1 行上限" in result.errors[0].message
    settings.IMPORT_MAX_BYTES = 10
    assert "MB 上限" in _import("drills", ROWS["drills"], people["township"]).errors[0].message


# -- encodings and Excel -------------------------------------------------------------------


def test_it_reads_gb18030_csv(people, today):
    assert _import("personnel", ROWS["personnel"], people["township"], encoding="gb18030").ok
    assert set(Person.objects.values_list("name", flat=True)) == {"张三", "李四"}


def test_it_reads_utf8_csv_with_bom(people, today):
    data = b"\xef\xbb\xbf" + csv_bytes("meetings", ROWS["meetings"])
    assert import_records(kind="meetings", data=data, actor=people["township"]).ok
    assert Meeting.objects.get().meeting_type == "secretary_study"


def test_it_reads_excel_date_cells_and_numbers(people, today):
    rows = [[QINGYUAN, datetime(2026, 3, 10), "专项演练", "森林防火", 35, None],
            [QINGYUAN, 46000, "综合演练", "序列号日期", 35.0, "好"]]  # 46000 = 2025-12-09
    assert import_records(kind="drills", data=xlsx_bytes("drills", rows), actor=people["township"]).ok
    assert sorted(Drill.objects.values_list("held_on", "participants")) == [(date(2025, 12, 9), 35),
                                                                            (date(2026, 3, 10), 35)]
    warning = [[QINGYUAN, "W-9", datetime(2026, 6, 1, 8, 0, 40), datetime(2026, 6, 1, 8, 9)]]
    assert import_records(kind="warnings", data=xlsx_bytes("warnings", warning), actor=people["township"]).ok
    assert WarningRelay.objects.get().minutes == 9


def test_it_reports_excel_row_numbers_and_skips_blank_rows(people, today):
    rows = [ROWS["drills"][0], [None] * 6, [QINGYUAN, "2026/3/40", "综合演练", "x", None, None]]
    result = import_records(kind="drills", data=xlsx_bytes("drills", rows), actor=people["township"])
    assert [(e.row, e.column) for e in result.errors] == [(4, "演练日期")]


def test_it_refuses_old_xls_and_garbage(people, today):
    result = import_records(kind="drills", data=b"\xd0\xcf\x11\xe0" + b"\0" * 100, actor=people["township"])
    assert ".xls" in result.errors[0].message
    result = import_records(kind="drills", data=b"PK\x03\x04broken", actor=people["township"])
    assert "无法读取" in result.errors[0].message


def test_it_imports_as_the_system_without_a_user(units, today, tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(csv_bytes("personnel", [[XUGOU, "周九", "", "", "信息报告员", "2024-01-01"]]))
    call_command("import_records", "personnel", str(path))
    assert Person.objects.get().created_by is None


def test_it_names_a_formula_cell_without_a_stored_result_by_row_and_column(people, today):
    # Written by a program, never opened in Excel: the formulas have no cached values, which a
    # values-only read sees as empty cells ("会议日期不能为空" before).
    rows = [ROWS["drills"][0], [QINGYUAN, "=DATE(2026,3,10)", "综合演练", "x", "=30+5", None]]
    result = import_records(kind="drills", data=xlsx_bytes("drills", rows), actor=people["township"])
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (3, "演练日期", "单元格为公式且没有计算结果，请在 Excel 中打开并保存后再导入"),
        (3, "参演人数", "单元格为公式且没有计算结果，请在 Excel 中打开并保存后再导入"),
    ]
    assert not Drill.objects.exists()


def test_it_reads_the_stored_result_of_a_formula_cell(people, today):
    data = xlsx_bytes("drills", [[QINGYUAN, datetime(2026, 3, 10), "综合演练", "x", 35, None]])
    # Put a formula with its cached result where Excel would: <c><f>30+5</f><v>35</v></c>.
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        parts = {name: src.read(name) for name in src.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    sheet = re.sub(r'(<c r="E2"[^>]*?)(?: t="n")?>(<v>35</v>)', r"\1><f>30+5</f>\2", sheet)
    assert "<f>30+5</f>" in sheet
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name, body in parts.items():
            dst.writestr(name, body)
    assert import_records(kind="drills", data=out.getvalue(), actor=people["township"]).ok
    assert Drill.objects.get().participants == 35


def test_it_still_accepts_the_former_label_of_designated_emergency_staff(people, today):
    # 应急管理专职人员 was renamed 应急管理工作人员(专职或兼职): files filled in before still import.
    row = [QINGYUAN, "李四", make_id(2), "", "应急管理专职人员", "2024-03-01"]
    result = _import("personnel", [row], people["township"])
    assert result.ok, result.errors
    assert Person.objects.get(name="李四").category == "emergency_staff"
