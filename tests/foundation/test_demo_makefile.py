"""`make demo`: PORT honoured by the links in PDFs and e-mails, progress and a final banner, and
python3-venv among the Debian packages it installs."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_it_installs_python3_venv_with_the_runtime_packages():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    runtime = re.search(r"^DEB_RUNTIME := (.*)$", makefile, re.M).group(1).split()
    assert "python3-venv" in runtime


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_it_serves_links_at_the_demo_port_and_ends_with_a_banner():
    out = subprocess.run(["make", "-n", "demo", "PORT=8123"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    assert "PORTAL_BASE_URL=http://127.0.0.1:8123" in out and "runserver 127.0.0.1:8123" in out
    assert "[3/4]" in out and "应急合规演示已就绪： http://127.0.0.1:8123/" in out
    assert out.index("应急合规演示已就绪") > out.index("load_demo")  # the banner comes after the slow steps
