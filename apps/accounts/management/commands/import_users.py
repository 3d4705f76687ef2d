import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.accounts.importing import import_users


class Command(BaseCommand):
    help = ("Create or update accounts from a CSV file (header username,full_name,role,unit_code,mobile,email; "
            "all rows or none). New accounts get one-time passwords, printed or written to --passwords-file.")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--passwords-file", type=Path, default=None,
                            help="write the one-time passwords to this new file (mode 0600) instead of printing")

    def handle(self, *args, file: Path, passwords_file: Path | None = None, **options):
        if not file.exists():
            raise CommandError(f"文件不存在：{file}")
        passwords_file = Path(passwords_file) if passwords_file else None
        if passwords_file is not None and passwords_file.exists():
            raise CommandError(f"密码文件已存在，不会覆盖：{passwords_file}")
        result = import_users(data=file.read_bytes())
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(f"导入失败：{len(result.errors)} 处错误，未保存任何数据")
        lines = [f"{username},{password}\n" for username, password in result.created]
        if lines and passwords_file is not None:
            # Created readable by the operator only, before a byte of it is written.
            fd = os.open(passwords_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write("username,initial_password\n")
                out.writelines(lines)
            self.stdout.write(f"一次性初始密码已写入 {passwords_file}（仅本人可读），用户首次登录须修改。")
        elif lines:
            self.stdout.write("一次性初始密码（仅显示一次，用户首次登录须修改）：")
            self.stdout.write("username,initial_password\n" + "".join(lines), ending="")
        self.stdout.write(self.style.SUCCESS(
            f"导入完成：新建 {len(result.created)}，更新 {result.updated}，未变 {result.unchanged}"))
