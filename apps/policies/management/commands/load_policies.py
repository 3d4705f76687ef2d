"""Load or update the policy catalog from fixtures/ (idempotent; `make demo` runs it)."""

from django.core.management.base import BaseCommand, CommandError

from apps.policies.services import CatalogError, load_catalog

LABELS = {"documents": "文件", "clauses": "条款", "duties": "履职事项", "requirements": "要求", "versions": "要求版本"}


class Command(BaseCommand):
    help = "Load or update the policy catalog (documents, clauses, duties, requirements) from fixtures/."

    def handle(self, *args, **options):
        try:
            counts = load_catalog()
        except CatalogError as exc:
            raise CommandError("政策规则库夹具有误，未做任何修改：\n" + "\n".join(exc.errors)) from exc
        for entity, label in LABELS.items():
            c = counts.get(entity, {})
            self.stdout.write(
                f"{label}：新增 {c.get('created', 0)}，更新 {c.get('updated', 0)}，未变 {c.get('unchanged', 0)}"
            )
