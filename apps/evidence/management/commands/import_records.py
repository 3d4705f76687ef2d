"""python manage.py import_records KIND FILE [--user USERNAME]

All or nothing: prints every error (row, column, reason) and exits non-zero if any; otherwise
prints the counts. Without --user the import runs as the system (no jurisdiction limit)."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apps.evidence.importing import import_records
from apps.evidence.kinds import KINDS


class Command(BaseCommand):
    help = "Import evidence records from an .xlsx template or CSV (kinds: " + ", ".join(KINDS) + ")"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(KINDS))
        parser.add_argument("file")
        parser.add_argument("--user", default=None, help="Import as this user (their jurisdiction applies)")

    def handle(self, *args, kind, file, user=None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{file}")
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"用户不存在或已停用：{user}")
        result = import_records(kind=kind, data=path.read_bytes(), actor=actor, filename=path.name)
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(result.summary())
        self.stdout.write(self.style.SUCCESS(result.summary()))
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(warning))
