
from django.core.management.base import BaseCommand

from apps.core.dates import as_of_option
from apps.devtools.synthetic import generate


class Command(BaseCommand):
    help = "Build a synthetic province with counties, townships, villages and years of evidence."

    def add_arguments(self, parser):
        parser.add_argument("--counties", type=int, default=1)
        parser.add_argument("--townships-per-county", type=int, default=5)
        parser.add_argument("--villages-per-township", type=int, default=10)
        parser.add_argument("--years", type=int, default=2)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--as-of", default=None, help="evidence generated up to this date (default today)")
        parser.add_argument("--first-county", type=int, default=1, help="number of the first county (01–99)")

    def handle(self, *args, **o):
        result = generate(
            counties=o["counties"], townships_per_county=o["townships_per_county"],
            villages_per_township=o["villages_per_township"], years=o["years"], seed=o["seed"],
            as_of=as_of_option(o["as_of"]), first_county=o["first_county"],
        )
        codes = ", ".join(c.code for c in result.counties) or "（均已存在）"
        self.stdout.write(self.style.SUCCESS(f"已生成 {result.units} 个单位、{result.records} 条记录；县：{codes}"))
