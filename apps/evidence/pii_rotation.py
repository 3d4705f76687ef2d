"""Re-encrypt personal data under the newest key of PII_KEYS (issue 17, `rotate_pii_key`).

Rows are visited in primary-key order, a batch per transaction; a row already under the newest key
is skipped, so an interrupted run is resumed by running the command again (nothing to remember).
"""

from collections.abc import Callable, Iterator

from django.db import connection, transaction

from apps.core import crypto
from apps.evidence.models import Person, TeamMember

PII_FIELDS = ("id_number", "phone")


def pii_models() -> list:
    return [Person, TeamMember, Person.history.model, TeamMember.history.model]


def _raw_batches(model, batch_size: int) -> Iterator[list[tuple]]:
    """(pk, stored id_number, stored phone) as in the table: the ORM would decrypt them."""
    table, pk = connection.ops.quote_name(model._meta.db_table), connection.ops.quote_name(model._meta.pk.column)
    last = None
    while True:
        where = f"WHERE {pk} > %s " if last is not None else ""
        with connection.cursor() as cursor:
            # Names from the model's own metadata, quoted; values are parameters.
            cursor.execute(f"SELECT {pk}, id_number, phone FROM {table} {where}ORDER BY {pk} LIMIT %s",  # noqa: S608
                           [last, batch_size] if last is not None else [batch_size])
            rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _stale(stored: str | None, current: str) -> bool:
    return bool(stored) and crypto.key_id_of(stored) != current


def rotate(*, batch_size: int = 500, max_batches: int | None = None,
           progress: Callable[[str], None] = lambda line: None) -> int:
    """Re-encrypt every value not under the newest key; returns how many rows were rewritten.
    ``max_batches`` stops early (a maintenance window); the next run carries on."""
    current = crypto.current_key_id()
    rewritten = batches = 0
    for model in pii_models():
        label = model._meta.verbose_name
        total = model.objects.count()
        seen = 0
        for rows in _raw_batches(model, batch_size):
            if max_batches is not None and batches >= max_batches:
                progress(f"已暂停：{rewritten} 行已重新加密，再次运行命令即可继续")
                return rewritten
            seen += len(rows)
            stale = [pk for pk, id_number, phone in rows if _stale(id_number, current) or _stale(phone, current)]
            if stale:
                with transaction.atomic():
                    objects = list(model.objects.select_for_update().filter(pk__in=stale))
                    # Assigning the decrypted value back makes the field encrypt it under the newest key.
                    model.objects.bulk_update(objects, list(PII_FIELDS))
                rewritten += len(objects)
                batches += 1
            progress(f"{label}: {seen}/{total}，本批重新加密 {len(stale)} 行")
    progress(f"完成：{rewritten} 行已在密钥 {current} 下重新加密")
    return rewritten
