"""Benchmark: the 10,000-row roster import with personal data encrypted vs in plain text, as a ratio
measured in one run on one machine (docs/performance.md, issue 17: within 1.5×).

    .venv/bin/python -m benchmarks.roster_import [--rows 10000] [--repeat 3] [--json FILE]

Uses a throw-away SQLite database (or DATABASE_URL when set, for PostgreSQL: a dedicated one, the
tables are migrated in it). Each run imports the same file into the same empty township inside a
transaction that is rolled back, alternating the two modes so that the machine's load hits both:

* ``encrypted``: the product as shipped (SM4-GCM per value, HMAC-SM3 blind index);
* ``plain``: the same import with ``crypto.encrypt`` returning the clear value and the blind index
  returning the normalised number itself — what the import did before issue 17.

The figure is min(encrypted) / min(plain) (the least disturbed run of each); medians are printed
too. Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("EMAIL_URL", "dummymail://")
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='ecp-roster-bench-')}/bench.sqlite3"
    os.environ.setdefault("PII_KEYS", "bench:" + base64.b64encode(b"bench-sm4-key-16").decode())
    os.environ.setdefault("PII_INDEX_KEY", base64.b64encode(b"bench-blind-index-key-of-32-byte").decode())
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _setup():
    from django.core.management import call_command

    from apps.accounts import access
    from apps.accounts.models import Role, User
    from apps.jurisdictions.models import Unit

    call_command("migrate", verbosity=0)
    units = {}
    for code, name, level, parent in (("140000000000", "山西省", "province", None),
                                      ("140100000000", "太原市", "city", "140000000000"),
                                      ("140121000000", "清徐县", "county", "140100000000"),
                                      ("140121100000", "清源镇", "township", "140121000000")):
        units[code], _ = Unit.objects.get_or_create(code=code, defaults={
            "name": name, "level": level, "parent": units.get(parent)})
    user = User.objects.filter(username="bench_township").first()
    if user is None:
        user = User.objects.create_user(username="bench_township", password="Bench-Pass-2026", role=Role.TOWNSHIP_STAFF)
        access.grant(user, units["140121100000"])
    return user


def _file(rows: int) -> bytes:
    from apps.core.pii import id_check_digit
    from apps.evidence.kinds import KINDS

    lines = [",".join(KINDS["roster"].headers)]
    for i in range(rows):
        first17 = f"1401211970{(i // 900) % 12 + 1:02d}{(i // 900) // 12 % 28 + 1:02d}{i % 900 + 100:03d}"
        lines.append(f"140121100000,第{i % 5 + 1}救援队,综合,队员{i},{first17 + id_check_digit(first17)},"
                     f"139{i:08d},兼职,2025-01-01,")
    return ("\r\n".join(lines) + "\r\n").encode()


@contextmanager
def _plain():
    """The import as before issue 17: no encryption, the 'index' is the number itself."""
    from apps.core import crypto
    from apps.evidence import validation

    saved = crypto.encrypt, validation.blind_index
    crypto.encrypt, validation.blind_index = (lambda clear: clear), (lambda normalised: normalised)
    try:
        yield
    finally:
        crypto.encrypt, validation.blind_index = saved


def _once(data: bytes, user, plain: bool) -> float:
    from contextlib import nullcontext

    from django.db import transaction

    from apps.evidence.importing import import_records

    with _plain() if plain else nullcontext(), transaction.atomic():
        started = time.perf_counter()
        result = import_records(kind="roster", data=data, actor=user, filename="bench.csv")
        elapsed = time.perf_counter() - started
        assert result.ok and result.created == data.count(b"\n") - 1, result.errors[:3]
        transaction.set_rollback(True)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", default="")
    args = parser.parse_args()
    _django()
    from django.db import connection

    user = _setup()
    data = _file(args.rows)
    _once(data[: data.index(b"\n", 2000)] + b"\r\n", user, plain=False)  # warm up imports and caches
    times: dict[str, list[float]] = {"plain": [], "encrypted": []}
    for _ in range(args.repeat):
        for mode in ("plain", "encrypted"):
            times[mode].append(_once(data, user, plain=mode == "plain"))
            print(f"{mode:9} {times[mode][-1]:7.2f} s", flush=True)
    load = os.getloadavg()[0]
    result = {
        "rows": args.rows, "bytes": len(data), "repeat": args.repeat, "database": connection.vendor,
        "cipher": os.environ.get("PII_CIPHER", "sm4gcm"), "index": os.environ.get("PII_INDEX_HASH", "hmac-sm3"),
        "plain_s": times["plain"], "encrypted_s": times["encrypted"],
        "ratio_min": round(min(times["encrypted"]) / min(times["plain"]), 3),
        "ratio_median": round(statistics.median(times["encrypted"]) / statistics.median(times["plain"]), 3),
        "load_average_1min": round(load, 1),
    }
    print(json.dumps(result, ensure_ascii=False, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
