"""Issue 14, done-when 1: a fresh administrator, following README and docs/accounts.md, creates a
county official for 清徐县 (import_users), who logs in (new password, TOTP set-up), creates a
township account in 用户管理; that account logs in and sees only its township."""

import base64
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QINGXU, QINGYUAN, XUGOU = "140121000000", "140121100000", "140121101000"


def totp_now(secret_b32: str) -> str:
    return f"{TOTP(base64.b32decode(secret_b32), step=30, digits=6).token():06d}"


def change_password(page, old: str, new: str):
    expect(page.locator("#password-forced")).to_be_visible()
    page.fill("#id_old_password", old)
    page.fill("#id_new_password1", new)
    page.fill("#id_new_password2", new)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_a_fresh_administrator_sets_up_a_county_official_who_sets_up_a_township(page, shot, units, settings,
                                                                                 tmp_path):
    settings.MFA_REQUIRED_ROLES = ["system_admin", "security_admin", "audit_admin", "auditor", "county_official"]
    settings.SESSION_ONE_PER_ACCOUNT = True

    # 1. docs/accounts.md step 1: import_users with the passwords in a file only the operator reads.
    users_csv = tmp_path / "users.csv"
    users_csv.write_bytes("username,full_name,role,unit_code,mobile,email\n"
                          "qx_county,清徐县应急管理局张科长,county_official,140121000000,,\n".encode("gb18030"))
    passwords = tmp_path / "initial-passwords.csv"
    call_command("import_users", str(users_csv), passwords_file=str(passwords), stdout=StringIO())
    initial = passwords.read_text().splitlines()[1].split(",")[1]

    # 2. The county official: own password first, then the authenticator, then the recovery codes.
    login(page, "qx_county", initial)
    expect(page).to_have_url(re.compile("/accounts/password/"))
    shot(page, "accounts-1-forced-password-change")
    change_password(page, initial, "Qingxu#County-2027")
    expect(page).to_have_url(re.compile("/accounts/mfa/"))
    secret = page.locator("#totp-secret").inner_text()
    expect(page.locator(".qr svg")).to_be_visible()
    shot(page, "accounts-2-totp-setup")
    page.fill("#id_token", totp_now(secret))
    page.click("main button[type=submit]")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.click("#mfa-continue")
    expect(page).to_have_url(re.compile(f"/dashboard/{QINGXU}/"))

    # 3. 用户管理: a township account for 清源镇.
    page.click("nav.mainnav >> text=用户管理")
    page.click("#user-create")
    page.fill("#id_username", "qy_staff")
    page.fill("#id_full_name", "清源镇填报员王芳")
    page.select_option("#id_unit", label=f"清源镇（{QINGYUAN}）")
    page.fill("#id_mobile", "13912345678")
    page.click("main button[type=submit]")
    township_initial = page.locator("#initial-password").inner_text()
    shot(page, "accounts-3-township-created")
    page.goto("/accounts/users/")
    expect(page.locator("table")).to_contain_text("qy_staff")
    expect(page.locator("table")).to_contain_text("139****5678")
    page.click("button:has-text('退出')")

    # 4. The township account: own password, no TOTP for its role, only its township.
    login(page, "qy_staff", township_initial)
    change_password(page, township_initial, "Qingyuan#Staff-2027")
    expect(page).to_have_url(re.compile(f"/workspace/{QINGYUAN}/"))
    expect(page.locator("h1")).to_contain_text("清源镇")
    shot(page, "accounts-4-township-workspace")
    for outside in (f"/units/{XUGOU}/", f"/dashboard/{QINGXU}/", f"/workspace/{XUGOU}/"):
        response = page.goto(outside)
        assert response.status == 404, outside
    assert page.goto("/accounts/users/").status == 403


def test_it_warns_before_the_idle_timeout_and_keeps_the_session_on_request(page, people, settings):
    # A one-minute timeout warned one minute ahead: the first poll (after 5 s) shows the warning.
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 1
    settings.SESSION_IDLE_WARNING_MINUTES = 1
    from tests.factories import PASSWORD

    login(page, "township", PASSWORD)
    warning = page.locator("#session-warning")
    expect(warning).to_be_visible(timeout=15_000)
    expect(warning).to_contain_text("将自动退出登录")
    warning.locator("button", has_text="继续使用").click()
    expect(warning).to_be_hidden()
