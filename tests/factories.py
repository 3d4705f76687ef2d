"""Small builders shared by all tests: a fixed hierarchy and one user per role.

The hierarchy (codes follow the 12-digit statistical division codes):

    140000000000 山西省
      140100000000 太原市
        140121000000 清徐县            <- county_official "county"
          140121100000 清源镇          <- township_staff "township"
            140121100201 东街村
            140121100202 西街村 (flags: high_natural_risk)
          140121101000 徐沟镇          <- township_staff "other_township"
            140121101201 北关村
    120000000000 天津市
      120118000000 静海区
        120118100000 静海镇
          120118100201 纪庄子村
    110000000000 北京市
      110116000000 怀柔区
        110116100000 怀柔镇
          110116100201 东关村
"""

from __future__ import annotations

from datetime import date

from apps.accounts import access
from apps.accounts.models import Role, User
from apps.jurisdictions.models import Unit

HIERARCHY = [
    ("140000000000", "山西省", "province", None, ""),
    ("140100000000", "太原市", "city", "140000000000", ""),
    ("140121000000", "清徐县", "county", "140100000000", ""),
    ("140121100000", "清源镇", "township", "140121000000", ""),
    ("140121100201", "东街村", "village", "140121100000", ""),
    ("140121100202", "西街村", "village", "140121100000", "high_natural_risk"),
    ("140121101000", "徐沟镇", "township", "140121000000", ""),
    ("140121101201", "北关村", "village", "140121101000", ""),
    ("120000000000", "天津市", "province", None, ""),
    ("120118000000", "静海区", "county", "120000000000", ""),
    ("120118100000", "静海镇", "township", "120118000000", ""),
    ("120118100201", "纪庄子村", "village", "120118100000", ""),
    ("110000000000", "北京市", "province", None, ""),
    ("110116000000", "怀柔区", "county", "110000000000", ""),
    ("110116100000", "怀柔镇", "township", "110116000000", ""),
    ("110116100201", "东关村", "village", "110116100000", ""),
]

PASSWORD = "Test-Pass-2026"


def make_unit(code: str, name: str, level: str, parent: Unit | None = None, flags: str = "", **kw) -> Unit:
    unit = Unit(code=code, name=name, level=level, parent=parent, **kw)
    unit.set_flags(flags.split(";") if flags else [])
    unit.save()
    return unit


def build_hierarchy(tracking_start: date | None = None) -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    for code, name, level, parent_code, flags in HIERARCHY:
        units[code] = make_unit(
            code, name, level, units.get(parent_code) if parent_code else None, flags, tracking_start=tracking_start
        )
    return units


def make_user(username: str, role: str, unit: Unit | None = None, **kw) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, role=role, **kw)
    if unit is not None:
        access.grant(user, unit)
    return user


def make_people(units: dict[str, Unit]) -> dict[str, User]:
    """One user per role, plus an outsider township account in a neighbouring township."""
    return {
        "county": make_user("county", Role.COUNTY_OFFICIAL, units["140121000000"]),
        "township": make_user("township", Role.TOWNSHIP_STAFF, units["140121100000"]),
        "other_township": make_user("other_township", Role.TOWNSHIP_STAFF, units["140121101000"]),
        "auditor": make_user("auditor", Role.AUDITOR, units["140000000000"]),
        "tianjin_county": make_user("tianjin_county", Role.COUNTY_OFFICIAL, units["120118000000"]),
        "admin": make_user("admin", Role.SYSTEM_ADMIN, None),
        "security_admin": make_user("security_admin", Role.SECURITY_ADMIN, None),
        "audit_admin": make_user("audit_admin", Role.AUDIT_ADMIN, None),
    }
