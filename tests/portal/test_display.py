import csv
import io
import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
from django.conf import settings
from django.urls import reverse

from apps.core.models import AuditEvent
from apps.portal.templatetags.portal_tags import cn_date
from tests.portal.conftest import AS_OF

QINGXU, QINGYUAN = "140121000000", "140121100000"
Q = f"?as_of={AS_OF.isoformat()}"


def test_it_writes_dates_the_chinese_way():
    assert cn_date(date(2026, 11, 22)) == "2026年11月22日"
    assert cn_date("2026-01-05") == "2026年1月5日"
    assert cn_date(datetime(2026, 11, 22, 1, 30, tzinfo=ZoneInfo("UTC"))) == "2026年11月22日 09:30"
    assert cn_date(None) == ""


def test_it_downloads_the_overdue_report_as_csv_and_xlsx(people, catalog, client_for):
    client = client_for(people["county"])
    url = reverse("portal:overdue", args=[QINGXU]) + Q
    response = client.get(url + "&format=csv")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "单位代码" and any("CN-DRILL-COMPREHENSIVE" in r for r in rows[1:])
    response = client.get(url + "&format=xlsx&status=overdue")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.active.title == "逾期任务"
    assert AuditEvent.objects.filter(action="portal.overdue_export", unit_code=QINGXU).count() == 2


def test_it_refuses_downloads_outside_the_jurisdiction(people, catalog, client_for):
    response = client_for(people["tianjin_county"]).get(reverse("portal:overdue", args=[QINGXU]) + Q + "&format=csv")
    assert response.status_code == 404


EXTERNAL = re.compile(
    r"""(?:(?:src|href|action|srcset|poster|data)\s*=\s*["']\s*|url\(\s*["']?\s*|@import\s+["'])(?:https?:)?//"""
    r"""(?!testserver[/:"')])""",
    re.I,
)


def test_the_origin_check_catches_other_hosts():
    assert EXTERNAL.search('<script src="https://cdn.jsdelivr.net/npm/echarts"></script>')
    assert EXTERNAL.search("<link href='//fonts.googleapis.com/css'>")
    assert EXTERNAL.search('<div style="background:url(http://x.cn/a.png)">')
    assert not EXTERNAL.search('<a href="/units/140121100000/">') and not EXTERNAL.search('href="http://testserver/x"')


def test_it_never_references_another_origin(people, catalog, units, client, client_for):
    from apps.portal.services import supervision_create

    supervision_create(actor=people["county"], unit=units[QINGYUAN], text="请尽快开展综合演练")
    pages = {
        "county": [reverse("portal:dashboard", args=[QINGXU]), reverse("portal:overdue", args=[QINGXU]),
                   reverse("portal:unit", args=[QINGYUAN]), reverse("portal:unit", args=[QINGYUAN]) + "?topic=drill",
                   reverse("portal:search") + "?q=镇", reverse("portal:supervisions", args=[QINGYUAN])],
        "township": [reverse("portal:workspace", args=[QINGYUAN]), reverse("portal:workspace", args=[QINGYUAN])
                     + "?show=all", reverse("portal:calendar"), reverse("portal:supervisions", args=[QINGYUAN]),
                     reverse("portal:unit", args=["140121100201"])],
        "auditor": [reverse("portal:search"), reverse("portal:dashboard", args=["140100000000"]),
                    reverse("portal:dashboard", args=[QINGXU])],
        "admin": [reverse("portal:search")],
    }
    for who, urls in pages.items():
        c = client_for(people[who])
        for url in urls:
            response = c.get(url + ("&" if "?" in url else "?") + Q[1:])
            assert response.status_code == 200, (who, url)
            html = response.content.decode()
            assert not EXTERNAL.findall(html), (who, url, EXTERNAL.findall(html))
    client.logout()
    html = client.get(reverse("accounts:login")).content.decode()
    assert not EXTERNAL.findall(html)


def test_its_own_css_and_js_load_nothing_from_elsewhere():
    """Stylesheets and scripts could still pull fonts or modules from a CDN at run time."""
    static = Path(settings.BASE_DIR) / "static"
    for path in list(static.rglob("*.css")) + [p for p in static.rglob("*.js") if "vendor" not in p.parts]:
        text = path.read_text(encoding="utf-8")
        assert not EXTERNAL.findall(text), path
        assert not re.search(r"""(?:fetch|import)\s*\(\s*["'](?:https?:)?//""", text), path
    assert (static / "vendor" / "echarts.min.js").stat().st_size > 100_000  # the real library, vendored
    assert (static / "vendor" / "htmx.min.js").exists()


LOCALE_PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MARKED = [
    re.compile(r"""{%\s*(?:translate|trans)\s+(["'])(.+?)\1"""),
    re.compile(r"""\b(?:_|gettext|gettext_lazy|pgettext)\(\s*(["'])(.+?)\1"""),
]


def catalog_entries() -> dict[str, str]:
    """msgid -> msgstr of the project's catalog (single-line entries are all it uses)."""
    entries, msgid = {}, None
    for line in LOCALE_PO.read_text(encoding="utf-8").splitlines():
        if line.startswith("msgid "):
            msgid = line[7:-1]
        elif line.startswith("msgstr ") and msgid is not None:
            entries[msgid] = line[8:-1]
            msgid = None
    return entries


def test_it_has_a_translation_for_every_marked_string():
    entries = catalog_entries()
    base = Path(settings.BASE_DIR)
    sources = list((base / "templates").rglob("*.html")) + list((base / "apps").rglob("*.py"))
    marked = {m.group(2) for path in sources for rx in MARKED for m in rx.finditer(path.read_text(encoding="utf-8"))}
    assert "跳到主要内容" in marked and "首页" in marked  # the scan itself works
    missing = sorted(s for s in marked if not entries.get(s))
    assert not missing, f"run makemessages -l zh_Hans and fill msgstr for: {missing}"
    assert "#, fuzzy\nmsgid \"\"" not in LOCALE_PO.read_text(encoding="utf-8")


def test_it_keeps_pages_chinese_for_a_browser_asking_for_english(people, units, client_for):
    """Django's own messages (here a form's length check) must not switch to English."""
    client = client_for(people["county"])
    response = client.post(reverse("portal:supervise", args=["140121100000"]), {"text": "督" * 1001},
                           HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9", follow=True)
    html = response.content.decode()
    assert 'lang="zh-hans"' in html
    assert "督办未发送：确保该变量包含不超过 1000 字符" in html, re.findall(r"督办未发送[^<]*", html)


def test_the_overdue_page_offers_xlsx_first_and_says_which_download_to_use(people, catalog, client_for):
    page = client_for(people["county"]).get(reverse("portal:overdue", args=[QINGXU]) + Q).content.decode()
    downloads = page[page.index('class="downloads"'):]
    assert downloads.index("format=xlsx") < downloads.index("format=csv")
    assert "查阅、筛选、打印请用 Excel（.xlsx）" in downloads and "CSV 供系统对接" in downloads
