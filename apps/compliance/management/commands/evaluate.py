import json

from django.core.management.base import BaseCommand

from apps.compliance import selectors
from apps.compliance.management.commands._common import unit_and_date
from apps.compliance.results import Status

# The documented --json shape (docs/semantics.md); --full prints the whole stored evaluation.
RESULT_KEYS = ("requirement", "status", "due", "actual", "target", "advisory", "sources", "tasks")


class Command(BaseCommand):
    help = "Evaluate a unit against every applicable requirement as of a date."

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="12-digit unit code")
        parser.add_argument("--as-of", default=None, help="YYYY-MM-DD (default today)")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--full", action="store_true",
                            help="with --json: every field (titles, grade, weights, counts) as the API returns")

    def handle(self, *args, unit, as_of, json: bool = False, full: bool = False, **options):
        unit, day = unit_and_date(unit, as_of)
        evaluation = selectors.evaluate_unit(unit, day)
        if json:
            data = evaluation.to_dict()
            if not full:
                data = {"unit": data["unit"], "as_of": data["as_of"], "score": data["score"],
                        "results": [{k: r[k] for k in RESULT_KEYS} for r in data["results"]]}
            self.stdout.write(_dumps(data))
            return
        self.stdout.write(f"{unit.name}（{unit.code}）评估日期 {day}：得分 {evaluation.score}，{evaluation.grade}")
        for r in evaluation.results:
            flag = "［倡导］" if r.advisory else ""
            self.stdout.write(f"  {Status.LABELS[r.status]:<5} {r.requirement} {r.title}{flag} 截止 {r.due or '—'}")


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
