"""Reads for 「重复在册」 (issue 17): one person (the same ID number, compared by its blind index)
active in several teams, or on the personnel rosters (人员名册) of several units, of one county.

The check is county-wide whatever range is evaluated, so a township evaluated alone counts its
teams exactly as it does inside its county. Which membership counts is the pure rule
``rules.counting_membership``; this module only finds the memberships, by identity key
(``bi:<blind index>``), and never reads a clear number except to mask it for the list.
A constant number of queries, whatever the number of units or people.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.core.cache import cache
from django.db.models import Count

from apps.compliance import rules
from apps.core.pii import mask_id_number
from apps.evidence.selectors import active_on, counted_memberships, counted_people, shared_keys
from apps.jurisdictions.codes import SIGNIFICANT_DIGITS, CodeRange, Level, subtree_range
from apps.jurisdictions.models import Unit


def county_range(rng: CodeRange) -> CodeRange:
    """``rng`` widened to its whole county when it lies inside one (a township or a village)."""
    digits = SIGNIFICANT_DIGITS[Level.COUNTY]
    if rng.low[:digits] == rng.high[:digits]:
        return subtree_range(rng.low, Level.COUNTY)
    return rng


def _members(rng: CodeRange):
    return counted_memberships(code__gte=rng.low, code__lte=rng.high)


def _people(rng: CodeRange):
    return counted_people(code__gte=rng.low, code__lte=rng.high)


# ---------------------------------------------------------------------------
# The fact the rules need (load_evidence)
# ---------------------------------------------------------------------------
def memberships_elsewhere(rng: CodeRange) -> dict[int, tuple[rules.Membership, ...]]:
    """For each member (by id) of a person with memberships of several teams in the county:
    those other memberships, every date (the rule picks by the as-of date). Two queries: the
    shared keys (shared_keys), then their memberships. (The night reads the teams' counts grouped
    by the database instead: selectors.team_facts.)"""
    whole = county_range(rng)
    shared = shared_keys(_members(whole), "team_id")
    groups: dict[tuple[str, str], list[rules.Membership]] = defaultdict(list)
    for row in _members(whole).filter(identity_key__in=shared).values(
            "id", "team_id", "identity_key", "team__unit__county_code", "joined_on", "left_on"):
        groups[(row["team__unit__county_code"], row["identity_key"])].append(
            rules.Membership(row["id"], row["team_id"], row["joined_on"], row["left_on"]))
    elsewhere: dict[int, tuple[rules.Membership, ...]] = {}
    for group in groups.values():
        for m in group:
            others = tuple(o for o in group if o.team_id != m.team_id)
            if others:
                elsewhere[m.member_id] = others
    return elsewhere


# ---------------------------------------------------------------------------
# The 「重复在册」 list
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ConflictRow:
    kind: str  # "team" or "personnel"
    unit_code: str
    unit_name: str
    where: str  # the team's name, or the personnel category
    name: str
    id_masked: str
    since: date  # joined_on / appointed_on
    counted: bool | None = None  # team rows: whether this membership counts (rules.counting_membership)


@dataclass
class Conflict:
    county_code: str
    id_masked: str
    rows: list[ConflictRow] = field(default_factory=list)

    @property
    def teams(self) -> int:
        return len({(r.unit_code, r.where) for r in self.rows if r.kind == "team"})

    @property
    def units(self) -> int:
        return len({r.unit_code for r in self.rows if r.kind == "personnel"})


def _shared_keys(rng: CodeRange, on: date):
    """Identity keys active on ``on`` in several teams or on several units' personnel rosters,
    grouped by county: (county code, key) pairs, as two grouped queries."""
    teams = (_members(rng).filter(active_on("joined_on", on))
             .values("identity_key", "team__unit__county_code").annotate(n=Count("team_id", distinct=True))
             .filter(n__gt=1).values_list("team__unit__county_code", "identity_key"))
    units = (_people(rng).filter(active_on("appointed_on", on))
             .values("identity_key", "unit__county_code").annotate(n=Count("unit_id", distinct=True))
             .filter(n__gt=1).values_list("unit__county_code", "identity_key"))
    return teams, units


def conflict_count(root: Unit, on: date) -> int:
    """How many people are 「重复在册」 under ``root`` on ``on`` (two queries)."""
    teams, units = _shared_keys(subtree_range(root.code, root.level), on)
    return len(set(teams) | set(units))


CONFLICT_COUNT_CACHE_SECONDS = 24 * 3600


def county_conflict_count(county: Unit, on: date) -> int:
    """conflict_count of a county for its dashboard, kept in the cache under the county's
    ``data_version`` as loaded with ``county`` (every write in the county moves it: a kept figure
    is never stale, and a write during the count leaves it under the old version, never read
    again). Two grouped queries over the county's rosters on a miss, none on a hit."""
    key = f"conflict-count:{county.pk}:{county.data_version}:{on.isoformat()}"
    count = cache.get(key)
    if count is None:
        count = conflict_count(county, on)
        cache.set(key, count, timeout=CONFLICT_COUNT_CACHE_SECONDS)
    return count


def roster_conflicts(root: Unit, on: date) -> list[Conflict]:
    """The 「重复在册」 list under ``root`` (a county or above) on ``on``: per person and county,
    the teams and personnel rosters they are active on, with the joining dates, the masked
    number and which team membership counts. Four queries, whatever the size of the county."""
    rng = subtree_range(root.code, root.level)
    teams, units = _shared_keys(rng, on)
    wanted = set(teams) | set(units)
    if not wanted:
        return []
    keys = {key for _, key in wanted}
    groups: dict[tuple[str, str], Conflict] = {}
    memberships: dict[tuple[str, str], list[tuple[rules.Membership, ConflictRow]]] = defaultdict(list)
    members = (_members(rng).filter(active_on("joined_on", on), identity_key__in=keys)
               .select_related("team", "team__unit").defer("phone").order_by("joined_on", "team_id", "pk"))
    for m in members:
        group_key = (m.team.unit.county_code, m.identity_key)
        if group_key not in wanted:
            continue
        row = ConflictRow("team", m.team.unit.code, m.team.unit.name, m.team.name, m.name,
                          mask_id_number(m.id_number), m.joined_on)
        memberships[group_key].append((rules.Membership(m.pk, m.team_id, m.joined_on, m.left_on), row))
    people = (_people(rng).filter(active_on("appointed_on", on), identity_key__in=keys)
              .select_related("unit").defer("phone").order_by("appointed_on", "unit__code", "pk"))
    for p in people:
        group_key = (p.unit.county_code, p.identity_key)
        if group_key not in wanted:
            continue
        conflict = groups.setdefault(group_key, Conflict(group_key[0], mask_id_number(p.id_number)))
        conflict.rows.append(ConflictRow("personnel", p.unit.code, p.unit.name, p.get_category_display(), p.name,
                                         mask_id_number(p.id_number), p.appointed_on))
    for group_key, pairs in memberships.items():
        first = rules.counting_membership((m for m, _ in pairs), on)
        conflict = groups.setdefault(group_key, Conflict(group_key[0], pairs[0][1].id_masked))
        conflict.rows[:0] = [ConflictRow(**{**row.__dict__, "counted": first is not None and m == first})
                             for m, row in pairs]
    return sorted(groups.values(), key=lambda c: (c.county_code, c.rows[0].unit_code, c.rows[0].since))
