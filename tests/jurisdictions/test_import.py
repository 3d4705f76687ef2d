"""import_jurisdictions: every row validated, all or nothing, idempotent, Excel encodings."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.jurisdictions.models import Unit
from apps.jurisdictions.services import import_jurisdictions

pytestmark = pytest.mark.django_db

GOOD = """code,name,level,parent_code,flags,tracking_start
120000000000,天津市,province,,,
120118000000,静海区,county,120000000000,,2025-01-01
120118100000,静海镇,township,120118000000,high_risk;flash_flood,
120118100201,纪庄子村,village,120118100000,,2025/3/1
"""


def _codes():
    return set(Unit.objects.values_list("code", flat=True))


def test_it_imports_a_municipality_with_districts_directly_under_it():
    result = import_jurisdictions(data=GOOD.encode())
    assert result.ok and result.created == 4
    village = Unit.objects.get(code="120118100201")
    assert village.province_code == "120000000000"
    assert village.county_code == "120118000000"
    assert village.township_code == "120118100000"
    assert str(village.tracking_start) == "2025-03-01"
    assert Unit.objects.get(code="120118100000").flag_list == ["flash_flood", "high_risk"]


def test_it_is_idempotent_and_updates_on_reimport():
    import_jurisdictions(data=GOOD.encode())
    again = import_jurisdictions(data=GOOD.encode())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    renamed = import_jurisdictions(data=GOOD.replace("纪庄子村", "纪庄子村委会").encode())
    assert renamed.updated == 1
    assert Unit.objects.get(code="120118100201").name == "纪庄子村委会"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_it_reads_bom_utf8_and_gb18030(encoding):
    assert import_jurisdictions(data=GOOD.encode(encoding)).created == 4
    assert Unit.objects.get(code="120118000000").name == "静海区"


def test_it_accepts_a_file_without_the_optional_columns():
    data = "code,name,level,parent_code\n110000000000,北京市,province,\n110116000000,怀柔区,county,110000000000\n"
    assert import_jurisdictions(data=data.encode()).created == 2


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("12011810020,短码村,village,120118100000,,", "code", "12 位数字"),
        ("120118100201,纪庄子村,hamlet,120118100000,,", "level", "层级"),
        ("120118100201,纪庄子村,village,120118999000,,", "parent_code", "不存在"),
        ("120119100201,错前缀村,village,120118100000,,", "code", "前缀不一致"),
        ("120118100201,越级村,village,120118000000,,", "level", "不能直接隶属"),
        ("120118100201,纪庄子村,village,120118100000,volcano,", "flags", "未知的风险标识"),
        ("120118100201,纪庄子村,village,120118100000,,2025-13-01", "tracking_start", "日期"),
        ("120118100200,末位村,township,120118000000,,", "code", "末尾位数"),
        ("120118100201,,village,120118100000,,", "name", "不能为空"),
    ],
)
def test_it_rejects_a_bad_row_with_its_row_number_and_saves_nothing(row, column, message):
    data = GOOD + row + "\n"
    result = import_jurisdictions(data=data.encode())
    assert not result.ok
    assert any(e.row == 6 and e.column == column and message in e.message for e in result.errors), result.errors
    assert _codes() == set()


def test_it_rejects_a_child_listed_before_its_parent():
    data = "code,name,level,parent_code\n120118000000,静海区,county,120000000000\n120000000000,天津市,province,\n"
    result = import_jurisdictions(data=data.encode())
    assert [(e.row, e.column) for e in result.errors] == [(2, "parent_code")]


def test_it_rejects_duplicate_codes_in_one_file():
    data = GOOD + "120118100201,重复村,village,120118100000,,\n"
    result = import_jurisdictions(data=data.encode())
    assert any("重复" in e.message and e.row == 6 for e in result.errors)


def test_it_reports_a_missing_required_column():
    result = import_jurisdictions(data="code,name,level\n120000000000,天津市,province\n".encode())
    assert [(e.row, e.column) for e in result.errors] == [(1, "parent_code")]


def test_the_command_prints_row_numbered_errors_and_exits_non_zero(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text(GOOD + "120119100201,错前缀村,village,120118100000,,\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_jurisdictions", str(path))
    assert "第 6 行，code 列" in capsys.readouterr().err
    assert _codes() == set()


def test_the_command_imports_a_good_file(tmp_path, capsys):
    path = tmp_path / "good.csv"
    path.write_bytes(GOOD.encode("gb18030"))
    call_command("import_jurisdictions", str(path))
    assert "新增 4" in capsys.readouterr().out


def test_the_subtree_is_one_query_whatever_its_size():
    import_jurisdictions(data=GOOD.encode())
    county = Unit.objects.get(code="120118000000")
    with CaptureQueriesContext(connection) as small:
        assert len(list(Unit.objects.subtree(county))) == 3
    township = Unit.objects.get(code="120118100000")
    Unit.objects.bulk_create(
        [Unit(code=f"120118100{i:03d}", name=f"村{i}", level="village", parent=township) for i in range(300, 700)]
    )
    with CaptureQueriesContext(connection) as large:
        assert len(list(Unit.objects.subtree(county))) == 403
    assert len(small.captured_queries) == len(large.captured_queries) == 1


def _province_file(prefix: str, villages: int) -> bytes:
    rows = [
        f"{prefix}0000000000,省{prefix},province,,,",
        f"{prefix}0100000000,市,city,{prefix}0000000000,,",
        f"{prefix}0102000000,县,county,{prefix}0100000000,,",
        f"{prefix}0102100000,镇,township,{prefix}0102000000,,",
    ] + [f"{prefix}0102100{i:03d},村{i},village,{prefix}0102100000,," for i in range(1, villages + 1)]
    return ("code,name,level,parent_code,flags,tracking_start\n" + "\n".join(rows) + "\n").encode()


def test_it_imports_with_bulk_writes_whose_count_does_not_grow_with_rows():
    def queries(prefix, n):
        with CaptureQueriesContext(connection) as ctx:
            assert import_jurisdictions(data=_province_file(prefix, n)).created == 4 + n
        return len(ctx.captured_queries)

    # Within one batch the statement count is fixed; beyond it grows by one per 2,000-row batch.
    assert queries("13", 5) == queries("15", 60)
