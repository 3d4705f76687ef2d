"""The runtime requirements (all the Docker image installs) declare what the product needs at
run time; `.ci/runtime-check` proves it by running the product from them alone."""

import re
from pathlib import Path

from openpyxl import xml as openpyxl_xml

ROOT = Path(__file__).resolve().parents[2]


def _requirements() -> dict[str, str]:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    pins = [re.match(r"^([A-Za-z0-9_.\-]+(?:\[[a-z,]+\])?)==(\S+)", line) for line in lines]
    return {m.group(1).lower(): m.group(2) for m in pins if m}


def test_it_declares_celerys_redis_extras():
    # kombu's Redis transport imports `packaging`, which only the extras bring in.
    assert "celery[redis]" in _requirements()


def test_it_installs_defusedxml_so_openpyxl_parses_uploads_safely():
    assert "defusedxml" in _requirements() and "whitenoise" in _requirements()
    assert openpyxl_xml.DEFUSEDXML  # openpyxl uses it when it is importable (its docs ask for it)


def test_it_pins_every_runtime_requirement_once():
    lines = [line for line in (ROOT / "requirements.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    names = [re.split(r"[=\[ ]", line, maxsplit=1)[0].lower() for line in lines]
    assert all("==" in line for line in lines)
    assert len(names) == len(set(names)), sorted({n for n in names if names.count(n) > 1})
