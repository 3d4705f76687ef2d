"""python manage.py rotate_pii_key: re-encrypt ID and mobile numbers under the newest PII_KEYS key."""

from django.core.management.base import BaseCommand

from apps.evidence.pii_rotation import rotate


class Command(BaseCommand):
    help = "Re-encrypt personal data under the newest key of PII_KEYS, in batches; resumable."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--max-batches", type=int, default=None,
                            help="stop after this many rewritten batches; run again to continue")

    def handle(self, *args, batch_size, max_batches, **options):
        rotate(batch_size=batch_size, max_batches=max_batches, progress=lambda line: self.stdout.write(line))
