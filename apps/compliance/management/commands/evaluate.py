import json

from django.core.management.base import BaseCommand

from apps.compliance import selectors
from apps.compliance.management.commands._common import unit_and_date
from apps.compliance.results import Status


class Command(BaseCommand):
    help = "Evaluate a unit against every applicable requirement as of a date."

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="12-digit unit code")
        parser.add_argument("--as-of", default=None, help="YYYY-MM-DD (default today)")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, unit, as_of, json: bool = False, **options):
        unit, day = unit_and_date(unit, as_of)
        evaluation = selectors.evaluate_unit(unit, day)
        if json:
            self.stdout.write(_dumps(evaluation.to_dict()))
            return
        self.stdout.write(f"{unit.name}（{unit.code}）评估日期 {day}：得分 {evaluation.score}，{evaluation.grade}")
        for r in evaluation.results:
            flag = "［倡导］" if r.advisory else ""
            self.stdout.write(f"  {Status.LABELS[r.status]:<5} {r.requirement} {r.title}{flag} 截止 {r.due or '—'}")


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
