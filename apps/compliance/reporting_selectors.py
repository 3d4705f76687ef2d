"""Reads of the 「报送情况」 page: the subtree's completeness report for a period and the grid of
child units (a county's townships) × the periods of that year, coloured by 报送率 and 及时率, with
the drill-down to the missing units and requirements of one cell. Never writes.

Everything comes from one load of the year's facts (selectors.subtree_reporting_facts: the units,
the catalog and one query per evidence kind), so the query count does not grow with the county.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from apps.compliance import rules, selectors
from apps.core.dates import parse_period
from apps.jurisdictions.codes import subtree_range
from apps.jurisdictions.models import Unit


def year_columns(year: int) -> list[tuple[str, str]]:
    """The grid's columns: the four quarters and the whole year, as (period, label)."""
    return [(f"{year}Q{q}", f"第{q}季度") for q in range(1, 5)] + [(str(year), "全年")]


@dataclass(frozen=True)
class Cell:
    period: str
    label: str
    tally: rules.Tally
    cfg: rules.Settings = rules.Settings()

    @property
    def missing(self) -> int:
        return self.tally.expected - self.tally.reported

    @property
    def late(self) -> int:
        return self.tally.reported - self.tally.on_time

    @property
    def reporting_pct(self) -> str:
        return rules.percent_text(self.tally.reporting_rate)

    @property
    def timely_pct(self) -> str:
        return rules.percent_text(self.tally.timely_rate)

    @property
    def colour(self) -> str:
        return rules.rate_band(self.tally.reporting_rate, self.cfg)

    @property
    def timely_colour(self) -> str:
        return rules.rate_band(self.tally.timely_rate, self.cfg)


@dataclass
class GridRow:
    code: str
    name: str
    own: bool = False  # the root's own obligations (县本级), not a child's subtree
    cells: list[Cell] = field(default_factory=list)


@dataclass
class Grid:
    year: int
    columns: list[tuple[str, str]]
    rows: list[GridRow]
    total: GridRow


@dataclass
class ReportingOverview:
    report: dict  # the completeness report of the page's period (the API's and the command's JSON)
    grid: Grid | None  # child units × periods; None for a unit without children
    rows: list[dict]  # rows of ``report``, narrowed to the focused cell's unit
    missing: list[dict]  # rows of ``report`` (or of the focused cell) with fewer reported than expected
    focus: Unit | None  # the grid row the missing list is narrowed to
    titles: dict[str, str]  # requirement code → title


def _row_of(units: list[Unit], root: Unit) -> dict[int, Unit | None]:
    """Each unit of the subtree → the root's child whose subtree holds it (None: the root itself)."""
    row: dict[int, Unit | None] = {root.pk: None}
    for u in units:  # code order: a parent is always placed before its children
        if u.pk in row:
            continue
        row[u.pk] = u if u.parent_id == root.pk else row.get(u.parent_id)
    return row


def _grid(root: Unit, year: int, facts: selectors.UnitReportingFacts) -> Grid | None:
    columns = year_columns(year)
    bounds = [parse_period(p) for p, _ in columns]
    units = [u for u, _ in facts]
    row_of = _row_of(units, root)
    children = [u for u in units if u.parent_id == root.pk]
    if not children:
        return None
    by_row: dict[int | None, list[rules.PeriodFact]] = defaultdict(list)
    for u, by_requirement in facts:
        owner = row_of.get(u.pk)
        for items in by_requirement.values():
            by_row[owner.pk if owner else None].extend(items)

    cfg = selectors.rule_settings()

    def cells(items):
        return [Cell(p, label, rules.tally(items, b), cfg) for (p, label), b in zip(columns, bounds, strict=True)]

    rows = [GridRow(c.code, c.name, cells=cells(by_row.get(c.pk, []))) for c in children]
    if by_row.get(None):
        rows.insert(0, GridRow(root.code, f"{root.name}本级", own=True, cells=cells(by_row[None])))
    total = GridRow(root.code, "合计", cells=cells([f for items in by_row.values() for f in items]))
    return Grid(year, columns, rows, total)


def reporting_overview(root: Unit, period: str, as_of: date, *, focus: Unit | None = None) -> ReportingOverview:
    """The page's figures for ``period`` and the grid of its year. ``focus`` (a unit of the
    subtree, access already checked) narrows the missing list to that unit's subtree — the grid
    cell's drill-down. Raises ValueError for a bad period (apps/core/dates.parse_period)."""
    year = parse_period(period)[0].year
    specs = selectors.specs_in_force(as_of)
    facts = selectors.subtree_reporting_facts(root, parse_period(str(year)), as_of, specs=specs)
    report = selectors.completeness_from(root, period, facts)
    rows = report["rows"]
    if focus is not None and focus.code == root.code:
        rows = [r for r in rows if r["unit"] == root.code]  # the grid's 「本级」 row
    elif focus is not None:
        rng = subtree_range(focus.code, focus.level)
        rows = [r for r in rows if rng.low <= r["unit"] <= rng.high]
    missing = [dict(r, missing=r["expected"] - r["reported"]) for r in rows if r["expected"] > r["reported"]]
    titles = {s.requirement: s.title for s in specs}
    return ReportingOverview(report=report, grid=_grid(root, year, facts), rows=rows, missing=missing, focus=focus,
                             titles=titles)

