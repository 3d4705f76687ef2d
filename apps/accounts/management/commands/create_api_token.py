"""manage.py create_api_token USERNAME [--expires YYYY-MM-DD] [--name TEXT]

Prints the new token once; only its hash is stored.
"""

from datetime import date, datetime, time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.accounts import services


def _expiry(value: str) -> datetime:
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--expires 应为 YYYY-MM-DD，收到：{value}") from exc
    # The token works through the given day (portal time) and stops at midnight after it.
    return timezone.make_aware(datetime.combine(day, time.max))


class Command(BaseCommand):
    help = "Create an API token for USERNAME; the token sees what the user's grants allow."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--expires", help="last day the token works, YYYY-MM-DD (default: never expires)")
        parser.add_argument("--name", default="", help="what the token is for, e.g. the platform's name")

    def handle(self, *args, username, expires=None, name="", **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户不存在：{username}")
        if not user.is_active:
            raise CommandError(f"用户已停用：{username}")
        expires_at = _expiry(expires) if expires else None
        try:
            issued = services.api_token_create(user=user, name=name or f"命令行创建（{username}）",
                                               expires_at=expires_at, actor=None)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(f"已为 {username} 创建令牌 {issued.token.prefix}…；它只显示这一次，请妥善保存：")
        self.stdout.write(issued.secret)
