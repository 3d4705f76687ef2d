"""One date style (issue 15): 2026年12月1日 wherever a date is read as words (sentences,
headings, banners, facts, a record's history), ISO 2026-12-01 only in data columns of tables,
URLs, form values and files. Templates use the two filters of apps.core.dates (cn_date,
iso_date), never ``|date:`` with a format of their own."""

import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings

from apps.core.dates import data_date, prose_date
from apps.evidence.services import record_create, record_review
from apps.portal.services import calendar_token_create, supervision_create

QINGXU, QINGYUAN = "140121000000", "140121100000"
ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
# Text that is data or machine-readable: table cells, code, form choices, scripts.
DATA_ELEMENTS = {"td", "code", "pre", "textarea", "option", "script", "style", "time", "template"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def test_it_formats_dates_for_prose_and_for_data():
    morning = datetime(2026, 12, 1, 6, 5, 9, tzinfo=UTC)  # 14:05 in China
    assert prose_date(date(2026, 12, 1)) == "2026年12月1日" and prose_date(morning) == "2026年12月1日 14:05"
    assert prose_date("2026-12-01") == "2026年12月1日" and prose_date(None) == ""
    assert data_date(date(2026, 12, 1)) == "2026-12-01" and data_date(morning) == "2026-12-01 14:05"
    assert data_date(morning, seconds=True) == "2026-12-01 14:05:09" and data_date("") == ""


def test_templates_format_dates_with_the_two_filters_only():
    roots = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR).glob("apps/*/templates")]
    offenders = [f"{path.relative_to(settings.BASE_DIR)}:{number}"
                 for root in roots for path in root.rglob("*.html")
                 for number, line in enumerate(path.read_text().splitlines(), 1)
                 if re.search(r"\|date\b", line)]
    assert not offenders


class ProseText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []
        self.prose: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append(bool(self.stack and self.stack[-1]) or tag in DATA_ELEMENTS)

    def handle_endtag(self, tag):
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]) and data.strip():
            self.prose.append(data.strip())


def iso_in_prose(html: str) -> list[str]:
    parser = ProseText()
    parser.feed(html)
    # The one place ISO is prose on purpose: telling people the format to type.
    return [text for text in parser.prose if ISO.search(text) and "YYYY-MM-DD" not in text]


def test_it_writes_prose_dates_in_chinese(client_for, people, units, catalog):
    drill = record_create(kind="drills", unit=units[QINGYUAN], actor=people["township"],
                          values={"held_on": date(2026, 5, 20), "drill_type": "comprehensive", "subject": "汛前综合演练",
                                  "participants": 30, "evaluation": ""})
    record_review(record=drill, actor=people["county"], decision="return", note="请补充签到表",
                  based_on=drill.revision)
    sup = supervision_create(actor=people["county"], unit=units[QINGYUAN], text="请尽快明确应急管理专职人员。",
                             requirement_code="CN-STAFF")
    calendar_token_create(actor=people["township"])
    pages = {
        "county": [f"/dashboard/{QINGXU}/", f"/overdue/{QINGXU}/", f"/units/{QINGYUAN}/", f"/evidence/drills/{drill.pk}/",
                   f"/supervisions/{sup.pk}/", "/policies/", "/policies/documents/CN-TEST/",
                   "/policies/requirements/CN-DRILL-COMPREHENSIVE/", f"/compliance/units/{QINGYUAN}/",
                   f"/compliance/units/{QINGXU}/overdue/", "/reports/"],
        "township": [f"/workspace/{QINGYUAN}/", "/calendar/", f"/evidence/drills/{drill.pk}/"],
    }
    found = {}
    for role, urls in pages.items():
        client = client_for(people[role])
        for url in urls:
            response = client.get(url + "?as_of=2026-06-30" if "policies" not in url else url)
            assert response.status_code == 200, url
            found[f"{role} {url}"] = iso_in_prose(response.content.decode())
    assert not {page: texts for page, texts in found.items() if texts}
    assert "2026年5月20日" in client_for(people["township"]).get(f"/evidence/drills/{drill.pk}/").content.decode()
