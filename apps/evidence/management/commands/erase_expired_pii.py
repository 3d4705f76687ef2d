"""python manage.py erase_expired_pii [--as-of YYYY-MM-DD]: the retention erasure (issue 17)."""

from django.core.management.base import BaseCommand

from apps.core.dates import as_of_option
from apps.evidence.pii_retention import pii_erase_expired


class Command(BaseCommand):
    help = "Erase ID and mobile numbers of people who left more than PII_RETENTION_YEARS ago."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", default=None)

    def handle(self, *args, as_of, **options):
        erased = pii_erase_expired(as_of=as_of_option(as_of))
        self.stdout.write(f"已清除 {erased} 条记录的身份证号和手机号")
