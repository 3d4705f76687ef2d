"""Load the demo: hierarchy fixtures, the policy catalog, demo evidence and one account per role.

Idempotent: running it twice changes nothing the second time. Demo accounts are created only
here, never by migrations, so a production database never has them.
"""

from datetime import date, timedelta

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.accounts import access
from apps.accounts.models import Role, User
from apps.compliance.services import county_report_build
from apps.compliance.tasks import ensure_beat_schedule
from apps.core.dates import as_of_option
from apps.devtools.demo import populate_demo_evidence
from apps.evidence.models import Person
from apps.jurisdictions.models import Unit
from apps.jurisdictions.services import import_jurisdictions

DEMO_PASSWORD = "Demo-2026!"
DEMO_ACCOUNTS = [
    # username, role, granted unit, display name
    ("county_demo", Role.COUNTY_OFFICIAL, "140121000000", "清徐县应急管理局（演示）"),
    ("township_demo", Role.TOWNSHIP_STAFF, "140121100000", "清源镇填报员（演示）"),
    ("auditor_demo", Role.AUDITOR, "140000000000", "山西省审计员（演示）"),
    ("admin_demo", Role.SYSTEM_ADMIN, None, "系统管理员（演示）"),
    ("security_demo", Role.SECURITY_ADMIN, None, "安全管理员（演示）"),
    ("auditadmin_demo", Role.AUDIT_ADMIN, None, "审计管理员（演示）"),
]
DEMO_COUNTIES = ["140121000000", "120118000000", "110116000000"]
MONTHS_OF_HISTORY = 12


def month_ends(as_of: date, months: int) -> list[date]:
    """The last day of each of the ``months`` months before ``as_of``'s month, oldest first."""
    out, day = [], as_of.replace(day=1) - timedelta(days=1)
    for _ in range(months):
        out.append(day)
        day = day.replace(day=1) - timedelta(days=1)
    return sorted(out)


class Command(BaseCommand):
    help = "Load demo data and demo accounts (idempotent). Never run this in production."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", default=None, help="Date the demo evidence is generated up to")

    def handle(self, *args, as_of=None, **options):
        as_of = as_of_option(as_of)
        fixtures = settings.BASE_DIR / "fixtures"
        for name in ("jurisdictions.csv", "demo_jurisdictions.csv"):
            result = import_jurisdictions(data=(fixtures / name).read_bytes())
            if not result.ok:
                raise CommandError("\n".join(str(e) for e in result.errors))
            self.stdout.write(f"{name}: 新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}")
        demo_units = Unit.objects.none()
        for code in DEMO_COUNTIES:
            demo_units |= Unit.objects.subtree(Unit.objects.get(code=code))
        demo_units.filter(is_demo=False).update(is_demo=True)

        call_command("load_policies", stdout=self.stdout)

        # Evidence is generated once: a second run must not add another year of records.
        if not Person.objects.filter(unit__is_demo=True).exists():
            villages_and_townships = Unit.objects.filter(is_demo=True, level__in=["county", "township", "village"])
            populate_demo_evidence(villages_and_townships, as_of=as_of, seed=1)
        ensure_beat_schedule()
        self._history(as_of)

        self._accounts()
        self.stdout.write(self.style.SUCCESS(f"演示数据已就绪。演示账号密码：{DEMO_PASSWORD}"))

    def _history(self, as_of: date) -> None:
        """A year of month-end evaluations (and as_of itself), stored as the nightly run would:
        the dashboard's trend chart has twelve points on a fresh install, not a single dot."""
        days = month_ends(as_of, MONTHS_OF_HISTORY) + [as_of]
        counties = list(Unit.objects.filter(code__in=DEMO_COUNTIES).order_by("code"))
        for i, day in enumerate(days, 1):
            for county in counties:
                county_report_build(county=county, as_of=day)
            self.stdout.write(f"历史评估 {i}/{len(days)}：{day.isoformat()}")

    @transaction.atomic
    def _accounts(self):
        for username, role, code, full_name in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"role": role, "full_name": full_name},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            if code and not access.can(user, access.Action.VIEW, Unit.objects.get(code=code)):
                access.grant(user, Unit.objects.get(code=code))
            self.stdout.write(f"账号 {username}（{user.get_role_display()}）{'已创建' if created else '已存在'}")
