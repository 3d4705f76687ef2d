"""The scorecard content builder is pure: no database needed."""

from apps.compliance.results import Status
from apps.reports import content


def _raw(status=Status.OVERDUE):
    evaluation = {
        "unit": "140121100000", "unit_name": "清源镇", "level": "township", "as_of": "2026-06-30",
        "score": 70.0, "grade": "合格", "counts": {status: 1},
        "results": [{
            "requirement": "drill", "version": 1, "title": "每年开展综合演练", "kind": "periodic_event",
            "topic": "drill", "status": status, "due": "2026-03-31", "actual": 0, "target": 1,
            "advisory": False, "weight": 30, "deducted": 30,
            "sources": [{"document": "中办国办意见", "clause": "(十三)", "quote": "…"}], "tasks": [], "missing": "",
        }],
    }
    return {
        "root": "140121000000", "as_of": "2026-06-30", "thresholds": [90, 60],
        "ancestors": [{"code": "140000000000", "name": "山西省", "level": "province"}],
        "units": [
            {"code": "140121000000", "name": "清徐县", "level": "county", "parent": "140000000000"},
            {"code": "140121100000", "name": "清源镇", "level": "township", "parent": "140121000000"},
            {"code": "140121100201", "name": "东街村", "level": "village", "parent": "140121100000"},
        ],
        "evaluations": {"140121100000": evaluation},
        "rollups": {"140121100000": {"own_score": 70.0, "subtree_score": 65.0, "grade": "合格", "counts": {}}},
        "overdue": [
            {"unit": "140121100000", "unit_name": "清源镇", "requirement": "drill", "requirement_title": "每年开展综合演练",
             "due": "2026-03-31", "days_overdue": 91, "status": status, "source": "中办国办意见(十三)", "missing": "x"},
            {"unit": "140121101000", "unit_name": "徐沟镇", "requirement": "drill", "requirement_title": "每年开展综合演练",
             "due": "2026-03-31", "days_overdue": 91, "status": status, "source": "中办国办意见(十三)", "missing": "x"},
        ],
    }


def test_it_builds_a_township_payload_from_a_county_snapshot():
    payload = content.build_payload(_raw(), "140121100000")
    assert payload["kind"] == "township"
    assert payload["unit"]["chain"] == ["山西省", "清徐县"]
    assert [c["name"] for c in payload["children"]] == ["东街村"]
    # Only the overdue rows of the township's own subtree.
    assert [r["unit_name"] for r in payload["overdue"]] == ["清源镇"]
    row = payload["requirements"][0]
    assert (row["label"], row["colour"], row["mark"], row["source"]) == ("已逾期", "red", "×", "中办国办意见(十三)")
    assert payload["summary"]["own_score"] == "70" and payload["summary"]["subtree_score"] == "65"


def test_it_gives_a_county_one_section_per_township():
    payload = content.build_payload(_raw(), "140121000000")
    assert payload["kind"] == "county"
    assert [s["unit"]["name"] for s in payload["sections"]] == ["清源镇"]
    assert payload["sections"][0]["children"][0]["name"] == "东街村"


def test_it_fingerprints_the_data_not_the_order_of_keys():
    a = content.build_payload(_raw(), "140121100000")
    b = content.build_payload(_raw(), "140121100000")
    assert content.fingerprint(a) == content.fingerprint(b)
    changed = content.build_payload(_raw(Status.COMPLIANT), "140121100000")
    assert content.fingerprint(changed) != content.fingerprint(a)


def test_it_explains_the_scoring_method_with_the_thresholds():
    text = content.method_text({"excellent": 90, "pass": 60})
    assert "100" in text and "90 分及以上为“优秀”" in text and "不计分" in text


def test_it_lists_the_requirements_a_provincial_one_replaces_as_not_scored():
    raw = _raw()
    raw["evaluations"]["140121100000"]["superseded"] = [
        {"requirement": "CN-SATCOM", "title": "配备卫星电话", "by": "SX-SATCOM", "by_title": "高风险乡镇配备卫星电话"}]

    payload = content.build_payload(raw, "140121100000")

    assert payload["superseded"] == [{"requirement": "CN-SATCOM", "title": "配备卫星电话", "by": "SX-SATCOM",
                                      "by_title": "高风险乡镇配备卫星电话"}]
    assert "CN-SATCOM" not in [r["requirement"] for r in payload["requirements"]]
    assert content.build_payload(_raw(), "140121100000")["superseded"] == []


def test_it_prints_the_replaced_requirements_on_the_scorecard():
    from apps.reports.render import Meta, render_html

    raw = _raw()
    raw["evaluations"]["140121100000"]["superseded"] = [
        {"requirement": "CN-SATCOM", "title": "配备卫星电话", "by": "SX-SATCOM", "by_title": "高风险乡镇配备卫星电话"}]
    meta = Meta(verification_code="K7QX-3M9P", verify_url="http://127.0.0.1:8000/verify/", generated_at="2026-06-30 08:00")

    html = render_html(content.build_payload(raw, "140121100000"), meta)

    assert "配备卫星电话（CN-SATCOM）由高风险乡镇配备卫星电话（SX-SATCOM）替代" in html
