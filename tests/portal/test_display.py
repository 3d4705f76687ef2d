import csv
import io
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl
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


EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["']\s*(?:https?:)?//(?!testserver[/:"'])""", re.I)


def test_it_never_references_another_origin(people, catalog, client, client_for):
    pages = {
        "county": [reverse("portal:dashboard", args=[QINGXU]), reverse("portal:overdue", args=[QINGXU]),
                   reverse("portal:unit", args=[QINGYUAN]), reverse("portal:search") + "?q=镇"],
        "township": [reverse("portal:workspace", args=[QINGYUAN]), reverse("portal:calendar"),
                     reverse("portal:supervisions", args=[QINGYUAN])],
        "auditor": [reverse("portal:search")],
    }
    for who, urls in pages.items():
        c = client_for(people[who])
        for url in urls:
            html = c.get(url + ("&" if "?" in url else "?") + Q[1:]).content.decode()
            assert not EXTERNAL.findall(html), (who, url, EXTERNAL.findall(html))
    client.logout()
    html = client.get(reverse("accounts:login")).content.decode()
    assert not EXTERNAL.findall(html)
