from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.jurisdictions.services import import_jurisdictions


class Command(BaseCommand):
    help = "Import or update the administrative hierarchy from a CSV file (all rows or none)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        if not file.exists():
            raise CommandError(f"文件不存在：{file}")
        result = import_jurisdictions(data=file.read_bytes())
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(f"导入失败：{len(result.errors)} 处错误，未保存任何数据")
        self.stdout.write(
            self.style.SUCCESS(f"导入完成：新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}")
        )
