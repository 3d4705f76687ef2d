"""Verify the security audit log's hash chain (docs/security.md, "Security audit").

Exit status 0 when every entry from the last prune checkpoint to the chain head is intact; 1 with
the first broken entry named when a row was changed, deleted or inserted."""

from django.core.management.base import BaseCommand, CommandError

from apps.core.audit import verify_chain


class Command(BaseCommand):
    help = "校验安全审计日志的摘要链：完整时退出码为 0，否则指出第一条被修改、删除或插入的记录。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--anchor", metavar="SEQ:HASH",
            help="an earlier chain head recorded outside the database (printed by a previous run); "
                 "it must still be part of the chain",
        )

    def handle(self, *args, anchor=None, **options):
        parsed = None
        if anchor:
            seq, _, digest = anchor.partition(":")
            if not seq.isdigit() or len(digest) != 64:
                raise CommandError("--anchor 的格式应为 序号:摘要（64 位十六进制）")
            parsed = (int(seq), digest.lower())
        verdict = verify_chain(anchor=parsed)
        if not verdict.ok:
            raise CommandError(f"审计链在第 {verdict.broken_seq} 条处断开：{verdict.reason}"
                               f"（已校验 {verdict.checked} 条）")
        self.stdout.write(f"审计链完整：已校验 {verdict.checked} 条；链头 {verdict.head_seq}:{verdict.head_hash}")
