"""manage.py scorecard: the same stored, verifiable PDF, written to a file for batch exports."""

import hashlib
import re

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from apps.core.models import AuditEvent
from apps.reports import services
from apps.reports.models import Scorecard
from tests.reports.conftest import AS_OF

TOWNSHIP = "140121100000"


def test_it_writes_the_stored_scorecard_to_a_file(units, people, scorecard_catalog, tmp_path, capsys):
    card, _ = services.scorecard_generate(unit=units[TOWNSHIP], as_of=AS_OF, user=people["township"])
    out, xlsx = tmp_path / "card.pdf", tmp_path / "card.xlsx"
    call_command("scorecard", unit=TOWNSHIP, as_of="2026-06-30", output=str(out), xlsx=str(xlsx))
    assert hashlib.sha256(out.read_bytes()).hexdigest() == card.sha256
    assert Scorecard.objects.count() == 1  # unchanged data: the stored file, not a new one
    printed = capsys.readouterr().out
    assert card.sha256 in printed and card.display_code in printed and "stored file reused" in printed
    assert load_workbook(xlsx)["概况"]["B2"].value == "清源镇（140121100000）"
    assert AuditEvent.objects.filter(action="scorecard.export", actor=None, detail__via="command").exists()


@pytest.mark.parametrize(
    ("unit", "as_of", "message"),
    [
        ("140121100000", "30.06.2026", "--as-of must be YYYY-MM-DD"),
        ("999999999999", "2026-06-30", "unit 999999999999 not found"),
        ("140000000000", "2026-06-30", "只能为县、乡镇(街道)或村(社区)生成评分卡"),
    ],
)
def test_it_rejects_bad_arguments_with_a_clear_message(units, scorecard_catalog, tmp_path, unit, as_of, message):
    out = tmp_path / "card.pdf"
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("scorecard", unit=unit, as_of=as_of, output=str(out))
    assert not out.exists() and not Scorecard.objects.exists()
