"""The 12-digit statistical division codes (统计用区划代码) and the hierarchy levels.

Pure helpers, no ORM. The code of a unit is a prefix-path: a province has 2 significant digits,
a city 4, a county (or a municipality's district) 6, a township 9 and a village 12, padded with
zeros. So "everything under X" is the indexed range [X's prefix + 000…, X's prefix + 999…].
"""

from dataclasses import dataclass
from enum import StrEnum, nonmember


class Level(StrEnum):
    """A unit's level in the hierarchy. A StrEnum (pure module, no ORM; README "Enumerations"):
    members are ``str``, so stored values and JSON are the plain values."""

    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"

    # The model field's and the API's choices, highest level first.
    CHOICES = nonmember([
        (PROVINCE, "省级"),
        (CITY, "市级"),
        (COUNTY, "县级"),
        (TOWNSHIP, "乡镇(街道)"),
        (VILLAGE, "村(社区)"),
    ])
    ORDER = nonmember([PROVINCE, CITY, COUNTY, TOWNSHIP, VILLAGE])
    LABELS = nonmember(dict(CHOICES))


SIGNIFICANT_DIGITS = {
    Level.PROVINCE: 2,
    Level.CITY: 4,
    Level.COUNTY: 6,
    Level.TOWNSHIP: 9,
    Level.VILLAGE: 12,
}

# Fixed vocabulary of risk flags (the foundation issue); requirements may condition on them.
FLAG_CHOICES = [
    ("high_risk", "高风险地区"),
    ("multi_hazard", "多灾易灾"),
    ("high_natural_risk", "自然灾害综合风险高"),
    ("hazard_industry", "高危行业生产经营单位集中"),
    ("high_rise_fire", "高层建筑火灾风险突出"),
    ("forest_fire", "森林火灾高风险"),
    ("flash_flood", "山洪和地质灾害危险区"),
    # Derived for villages from the code (see effective_flags); set by hand only to override.
    ("community", "社区(居民委员会)"),
]
FLAG_LABELS = dict(FLAG_CHOICES)
COMMUNITY = "community"


def is_community(code: str, level: str) -> bool:
    """A village-level code whose last three digits are 001–199 is a residents' committee (社区);
    200–399 is a villagers' committee (村). (统计用区划代码编制规则: 居委会 001–199, 村委会 200–399.)"""
    return level == Level.VILLAGE and len(code) == 12 and code.isdigit() and 1 <= int(code[9:]) <= 199


def effective_flags(code: str, level: str, flags) -> frozenset[str]:
    """The flags requirements are matched against: the unit's own, plus ``community`` for a
    社区 by its code. A recorded ``community`` flag overrides the code (a 村 run as a 社区)."""
    if isinstance(flags, str):
        flags = [f for f in flags.split(",") if f]
    result = frozenset(flags)
    return result | {COMMUNITY} if is_community(code, level) else result


def is_valid_code(code: str) -> bool:
    return len(code) == 12 and code.isdigit()


def prefix(code: str, level: str) -> str:
    return code[: SIGNIFICANT_DIGITS[level]]


def is_padded_for_level(code: str, level: str) -> bool:
    """A county code ends in six zeros, a township in three, and so on."""
    return code[SIGNIFICANT_DIGITS[level] :] == "0" * (12 - SIGNIFICANT_DIGITS[level])


def ancestor_code(code: str, level: str) -> str:
    digits = SIGNIFICANT_DIGITS[level]
    return code[:digits] + "0" * (12 - digits)


@dataclass(frozen=True)
class CodeRange:
    low: str
    high: str


def subtree_range(code: str, level: str) -> CodeRange:
    """The code range covering a unit and all its descendants."""
    p = prefix(code, level)
    return CodeRange(p + "0" * (12 - len(p)), p + "9" * (12 - len(p)))


def allowed_child_levels(parent_level: str) -> tuple[str, ...]:
    """One step down; a province may also hold counties directly (districts of Beijing and
    Tianjin are county-level units directly under the municipality)."""
    if parent_level == Level.PROVINCE:
        return (Level.CITY, Level.COUNTY)
    index = Level.ORDER.index(parent_level)
    return (Level.ORDER[index + 1],) if index + 1 < len(Level.ORDER) else ()


def normalize_flags(flags) -> list[str]:
    if isinstance(flags, str):
        flags = flags.replace("；", ";").replace(",", ";").split(";")
    return sorted({f.strip() for f in flags if f and f.strip()})
