"""Every scorecard PDF checked by independent tools: qpdf --check (structure), pdfinfo (tagged,
A4), and the catalog read with pypdf (PDF/UA-1 identification in the XMP metadata, /Lang zh-CN,
a structure tree, the verification URL as a real link)."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess

import pytest
from django.urls import reverse
from pypdf import PdfReader

from apps.reports import services
from tests.reports.conftest import AS_OF

TOWNSHIP, COUNTY, VILLAGE = "140121100000", "140121000000", "140121100201"


def _pdf(units, people, code, tmp_path):
    card, _ = services.scorecard_generate(unit=units[code], as_of=AS_OF, user=people["county"])
    with card.file.open("rb") as f:
        data = f.read()
    path = tmp_path / f"{code}.pdf"
    path.write_bytes(data)
    return card, data, path


def _run(*args) -> subprocess.CompletedProcess:
    assert shutil.which(args[0]), f"{args[0]} is not installed: run make system-deps-test (DEB_TEST)"
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize("code", [TOWNSHIP, COUNTY, VILLAGE])
def test_every_scorecard_passes_qpdf_check_and_pdfinfo_says_tagged_a4(units, people, scorecard_catalog, tmp_path,
                                                                     code):
    _card, _data, path = _pdf(units, people, code, tmp_path)
    check = _run("qpdf", "--check", str(path))
    assert check.returncode == 0, check.stdout + check.stderr  # 2 = errors, 3 = warnings
    assert "No syntax or stream encoding errors found" in check.stdout
    info = _run("pdfinfo", str(path))
    assert info.returncode == 0, info.stderr
    fields = dict(re.findall(r"^([^:]+):\s*(.*)$", info.stdout, re.M))
    assert fields["Tagged"] == "yes"
    assert re.match(r"595\.\d* x 841\.\d* pts \(A4\)", fields["Page size"]), fields["Page size"]
    assert "评分卡" in fields["Title"]
    # The document language, read by qpdf from the catalog (pdfinfo does not print it).
    dump = _run("qpdf", "--json=2", "--json-key=qpdf", str(path))
    assert dump.returncode == 0, dump.stderr
    objects = json.loads(dump.stdout)["qpdf"][1]
    catalog = objects[f"obj:{objects['trailer']['value']['/Root']}"]["value"]
    assert catalog["/Lang"] == "u:zh-CN" and catalog["/MarkInfo"]["/Marked"] is True


@pytest.mark.parametrize("code", [TOWNSHIP, COUNTY])
def test_every_scorecard_is_pdf_ua_1_in_chinese_with_the_verification_link(units, people, scorecard_catalog, tmp_path,
                                                                          code):
    card, data, _path = _pdf(units, people, code, tmp_path)
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "zh-CN"
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert re.search(r"pdfuaid:part(>1<|=\"1\")", xmp), xmp[:500]
    uris = [a.get_object()["/A"]["/URI"] for page in reader.pages for a in page.get("/Annots", [])
            if a.get_object().get("/Subtype") == "/Link" and "/A" in a.get_object()]
    verify_url = "https://ecp.example.cn" + reverse("reports:verify", args=[card.verification_code])
    assert uris.count(verify_url) >= 2, uris  # the printed URL beside the QR code and the QR code itself
