"""The county scorecard's 报送纪律 section: 报送率、及时率 of the scorecard's year per township, in
the payload and in the rendered PDF (pdftotext)."""

import re
import shutil
import subprocess
from datetime import date

import pytest

from apps.reports import content, selectors, services
from tests.compliance.reporting_data import COUNTY, OTHER, QINGYUAN, reporting_catalog, reporting_evidence

AS_OF = date(2026, 12, 1)


@pytest.fixture
def data(units, time_machine):
    reporting_catalog()
    return reporting_evidence(units, time_machine)


def test_the_section_sums_each_child_subtree_and_is_absent_from_an_older_seal():
    raw = {"units": [{"code": "140121000000", "name": "清徐县", "level": "county", "parent": None},
                     {"code": "140121100000", "name": "清源镇", "level": "township", "parent": "140121000000"},
                     {"code": "140121100201", "name": "东街村", "level": "village", "parent": "140121100000"},
                     {"code": "140121101000", "name": "徐沟镇", "level": "township", "parent": "140121000000"}],
           "reporting": {"period": "2026", "deadline_days": 10,
                         "units": {"140121000000": [1, 1, 1], "140121100000": [2, 2, 1], "140121100201": [3, 1, 0]}}}
    section = content.reporting_section(raw, raw["units"][0])
    assert [(r["name"], r["expected"], r["reported"], r["on_time"], r["reporting_pct"], r["timely_pct"])
            for r in section["rows"]] == [("清徐县本级", 1, 1, 1, "100%", "100%"), ("清源镇", 5, 3, 1, "60%", "20%"),
                                          ("徐沟镇", 0, 0, 0, "—", "—")]
    assert (section["total"]["expected"], section["total"]["missing"], section["total"]["reporting_rate"]) == (6, 2,
                                                                                                                0.6667)
    assert content.reporting_section({"units": raw["units"]}, raw["units"][0]) is None


def test_the_county_payload_has_the_figures_of_the_completeness_report(data):
    payload, _ = selectors.scorecard_payload(data[COUNTY], AS_OF)
    section = payload["reporting"]
    assert (section["period"], section["deadline_days"]) == ("2026", 10)
    rows = {r["code"]: r for r in section["rows"]}
    assert list(rows) == [QINGYUAN, OTHER]
    assert (rows[QINGYUAN]["expected"], rows[QINGYUAN]["reported"], rows[QINGYUAN]["on_time"]) == (9, 4, 3)
    assert (rows[OTHER]["expected"], rows[OTHER]["reported"], rows[OTHER]["timely_pct"]) == (6, 0, "0%")
    assert (section["total"]["expected"], section["total"]["reported"], section["total"]["on_time"]) == (15, 4, 3)
    # A township scorecard has no such section.
    assert selectors.scorecard_payload(data[QINGYUAN], AS_OF)[0]["reporting"] is None


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_the_county_pdf_prints_the_section_in_chinese(data, people):
    card, _ = services.scorecard_generate(unit=data[COUNTY], as_of=AS_OF, user=people["county"])
    with card.file.open("rb") as f:
        pdf = f.read()
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    text = text.decode()
    assert "报送纪律（2026年报送率、及时率）" in text
    assert "期间结束后 10 天内录入" in re.sub(r"\s+", " ", text) or "10 天内录入" in text
    assert re.search(r"清源镇\s+9\s+4\s+3\s+5\s+44%\s+33%", text), text[text.index("报送纪律"):][:800]
    assert re.search(r"徐沟镇\s+6\s+0\s+0\s+6\s+0%\s+0%", text)
    assert re.search(r"合计\s+15\s+4\s+3\s+11\s+27%\s+20%", text)
