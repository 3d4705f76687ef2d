"""import_users: exact header, UTF-8/BOM/GB18030, all or nothing with row and column, idempotent,
one-time passwords printed or written to a 0600 file; the same upload in the admin."""

import os
import stat
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from apps.accounts import access
from apps.accounts.importing import import_users
from apps.accounts.models import User
from apps.core.models import AuditEvent

pytestmark = pytest.mark.django_db

HEADER = "username,full_name,role,unit_code,mobile,email\n"
GOOD = (HEADER + "qx_county,清徐县应急局张三,county_official,140121000000,13800001111,zs@example.cn\n"
        "qy_staff,清源镇李四,township_staff,140121100000,,\n"
        "dj_staff,东街村王五,township_staff,140121100201,,\n"
        "sec_admin,安全管理员,security_admin,,,\n")


def test_it_creates_accounts_with_grants_and_one_time_passwords(units):
    result = import_users(data=GOOD.encode("utf-8-sig"))
    assert result.ok, result.errors
    passwords = dict(result.created)
    assert set(passwords) == {"qx_county", "qy_staff", "dj_staff", "sec_admin"}
    county = User.objects.get(username="qx_county")
    assert county.role == "county_official" and county.must_change_password and county.check_password(passwords["qx_county"])
    assert [g.code for g in access.grants(county)] == ["140121000000"]
    assert User.objects.get(username="sec_admin").is_staff
    assert AuditEvent.objects.filter(action="accounts.user_created").count() == 4
    assert AuditEvent.objects.filter(action="accounts.users_imported").count() == 1


def test_it_reads_gb18030_and_is_idempotent(units):
    assert import_users(data=GOOD.encode("gb18030")).ok
    again = import_users(data=GOOD.encode("gb18030"))
    assert again.ok and again.created == [] and again.unchanged == 4
    moved = GOOD.replace("dj_staff,东街村王五,township_staff,140121100201", "dj_staff,东街村王五,township_staff,140121100202")
    third = import_users(data=moved.encode())
    assert third.updated == 1 and [g.code for g in access.grants(User.objects.get(username="dj_staff"))] == [
        "140121100202"]


def test_it_rejects_the_whole_file_with_row_and_column(units):
    bad = (HEADER + "ok_user,好人,township_staff,140121100000,,\n"
           "bad role,x,superuser,,,\n"
           "no_unit,x,township_staff,,,\n"
           "admin_unit,x,audit_admin,140121000000,,\n"
           "wrong_level,x,township_staff,140121000000,12345,notmail\n"
           "ok_user,重复,auditor,999999999999,,\n")
    result = import_users(data=bad.encode())
    got = {(e.row, e.column) for e in result.errors}
    assert got >= {(3, "username"), (3, "role"), (4, "unit_code"), (5, "unit_code"), (6, "unit_code"), (6, "mobile"),
                   (6, "email"), (7, "username"), (7, "unit_code")}
    assert not User.objects.filter(username="ok_user").exists()


def test_it_requires_the_exact_header(units):
    result = import_users(data=b"username,name,role,unit_code,mobile,email\nx,y,auditor,140000000000,,\n")
    assert not result.ok and result.errors[0].row == 1 and "表头应为" in result.errors[0].message


def test_the_command_writes_the_passwords_to_a_file_only_the_operator_reads(units, tmp_path):
    source = tmp_path / "users.csv"
    source.write_bytes(GOOD.encode("utf-8-sig"))
    target = tmp_path / "passwords.csv"
    out = StringIO()
    call_command("import_users", str(source), passwords_file=str(target), stdout=out)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    lines = target.read_text().splitlines()
    assert lines[0] == "username,initial_password" and len(lines) == 5
    username, password = lines[1].split(",")
    assert User.objects.get(username=username).check_password(password)
    assert password not in out.getvalue()
    with pytest.raises(CommandError):  # never overwrites
        call_command("import_users", str(source), passwords_file=str(target), stdout=StringIO())


def test_the_command_prints_the_passwords_and_fails_on_errors(units, tmp_path):
    source = tmp_path / "users.csv"
    source.write_text(GOOD)
    out = StringIO()
    call_command("import_users", str(source), stdout=out)
    assert "qx_county," in out.getvalue()
    source.write_text(HEADER + "x,y,nobody,,,\n")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_users", str(source), stdout=StringIO(), stderr=err)
    assert "第 2 行，role 列" in err.getvalue()


def test_the_admin_upload_is_the_same_import_for_the_system_administrator_only(people, client_for):
    upload = SimpleUploadedFile("users.csv", GOOD.encode("gb18030"))
    response = client_for(people["admin"]).post("/admin/accounts/user/import/", {"file": upload})
    body = response.content.decode()
    assert response.status_code == 200 and "导入成功" in body and body.count('class="initial-password"') == 4
    assert "no-store" in response["Cache-Control"]
    upload = SimpleUploadedFile("users.csv", GOOD.encode())
    assert client_for(people["security_admin"]).post("/admin/accounts/user/import/", {"file": upload}).status_code == 403
