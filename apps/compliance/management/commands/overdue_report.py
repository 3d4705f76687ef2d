import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.compliance import exports, selectors
from apps.compliance.management.commands._common import unit_and_date
from apps.compliance.results import Status

JSON_KEYS = ("unit", "unit_name", "requirement", "due", "days_overdue", "status")


class Command(BaseCommand):
    help = "Overdue, non-compliant and due-soon tasks of a unit's whole subtree, most overdue first."

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True)
        parser.add_argument("--as-of", default=None)
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--format", choices=["csv", "xlsx"], default=None)
        parser.add_argument("--output", default=None, help="file for --format")

    def handle(self, *args, unit, as_of, json=False, format=None, output=None, **options):  # noqa: A002
        unit, day = unit_and_date(unit, as_of)
        report = selectors.overdue_report(unit, day)
        if format:
            if not output:
                raise CommandError("--format 需要同时指定 --output")
            body = exports.overdue_csv(report) if format == "csv" else exports.overdue_xlsx(report)
            Path(output).write_bytes(body)
            self.stdout.write(f"已写入 {output}（{len(report['tasks'])} 项）")
            return
        if json:
            data = {"unit": report["unit"], "as_of": report["as_of"],
                    "tasks": [{k: t[k] for k in JSON_KEYS} for t in report["tasks"]]}
            self.stdout.write(_dumps(data))
            return
        self.stdout.write(f"{unit.name} 逾期任务（{day}）：{len(report['tasks'])} 项")
        for t in report["tasks"]:
            self.stdout.write(
                f"  {Status.LABELS[t['status']]:<4} {t['days_overdue']:>5}天 {t['unit_name']} {t['requirement']} 截止 {t['due']}"
            )


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
