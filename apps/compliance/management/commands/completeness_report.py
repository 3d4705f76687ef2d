import json

from django.core.management.base import BaseCommand, CommandError

from apps.compliance import selectors
from apps.compliance.management.commands._common import unit_and_date
from apps.core.dates import PERIOD_HELP, parse_period


class Command(BaseCommand):
    help = "Reporting completeness and timeliness (报送率、及时率) of a unit's subtree for a period."

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True)
        parser.add_argument("--period", required=True, help="2026, 2026Q3 or 2026-07")
        parser.add_argument("--as-of", default=None, help="evaluate on this date (default today)")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, unit, period, as_of=None, json=False, **options):  # noqa: A002
        unit, day = unit_and_date(unit, as_of)
        try:
            parse_period(period)
        except ValueError as exc:
            raise CommandError(f"--period: {PERIOD_HELP}，收到 {period!r}") from exc
        report = selectors.completeness_report(unit, period.strip(), day)
        if json:
            self.stdout.write(_dumps(report))
            return
        t = report["totals"]
        self.stdout.write(f"{unit.name} {report['period']} 报送情况：应报 {t['expected']}，已报 {t['reported']}，"
                          f"及时 {t['on_time']}，报送率 {_pct(t['reporting_rate'])}，及时率 {_pct(t['timely_rate'])}")
        for r in report["rows"]:
            if r["expected"] > r["reported"]:
                self.stdout.write(f"  {r['unit_name']} {r['requirement']} 应报 {r['expected']} 已报 {r['reported']}")


def _pct(value) -> str:
    return "—" if value is None else f"{value:.0%}"


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
