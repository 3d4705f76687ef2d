"""python manage.py scorecard --unit CODE --as-of YYYY-MM-DD --output FILE.pdf

Writes the same stored PDF the portal serves (same SHA-256, verifiable), for batch exports.
"""

import shutil

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.core.dates import as_of_option
from apps.jurisdictions.models import Unit
from apps.reports import services


class Command(BaseCommand):
    help = "Generate (or fetch the stored) scorecard of a unit as of a date and write it to a file."

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="12-digit division code")
        parser.add_argument("--as-of", required=True, help="YYYY-MM-DD")
        parser.add_argument("--output", required=True, help="PDF file to write")
        parser.add_argument("--xlsx", default="", help="also write the Excel twin to this file")

    def handle(self, *args, unit, as_of, output, xlsx="", **options):
        as_of_date = as_of_option(as_of)
        target = Unit.objects.filter(code=unit).first()
        if target is None:
            raise CommandError(f"unit {unit} not found")
        try:
            card, created = services.scorecard_generate(unit=target, as_of=as_of_date, via="command")
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        with card.file.open("rb") as src, open(output, "wb") as dst:
            shutil.copyfileobj(src, dst)
        if xlsx:
            with open(xlsx, "wb") as dst:
                dst.write(services.scorecard_xlsx(card=card, user=None))
        state = "generated" if created else "stored file reused"
        self.stdout.write(
            f"{output}: {card.size} bytes, sha256 {card.sha256}, verification code {card.display_code} ({state})"
        )
