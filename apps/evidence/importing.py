"""Importing evidence from the .xlsx templates (or a CSV with the same header).

All or nothing: every row is checked first (validation.validate_values, the same code path as
forms and the API), then the rows go through services.records_insert, the one write path of
forms and the API too: people, teams and stored records are looked up with one query each, the
records are inserted in bulk and the database's live-row unique constraints decide identity. A
row whose fingerprint matches a stored record is recognised and skipped (also when a concurrent
import of the same file committed it a moment earlier), so importing the same or a corrected
file again never duplicates records. A row repeating an earlier row, or naming a person already
registered, is an error, and a file with any error saves nothing.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction

from apps.accounts.access import Action, can
from apps.core.audit import record_event
from apps.core.csvio import FileFormatError, read_csv_rows
from apps.evidence.kinds import KINDS, KindSpec
from apps.evidence.models import Source, TeamType
from apps.evidence.selectors import missing_teams, team_duplicates, unit_duplicates
from apps.evidence.services import RECORD_LEVELS, Draft, records_insert
from apps.evidence.services import today as local_today
from apps.evidence.validation import normalize_label, validate_values
from apps.evidence.workbooks import FORMULA_WITHOUT_RESULT, formulas_without_result
from apps.jurisdictions.models import Unit


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"第 {self.row} 行" if self.row else "文件"
        return f"{where}，{self.column or '—'}：{self.message}"


@dataclass
class ImportResult:
    kind: str
    rows: int = 0
    created: int = 0
    skipped: int = 0  # rows identical to a stored record or an earlier row
    teams_created: int = 0
    errors: list[RowError] = field(default_factory=list)
    # Teams the file names that do not exist yet ("unit name 队伍名称（类型）"); with
    # confirm_new_teams=False nothing is saved while this is non-empty (needs_confirmation).
    new_teams: list[str] = field(default_factory=list)
    needs_confirmation: bool = False
    # Saved rows worth a second look, not errors (「重复在册」: the person is on another team too).
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if not self.ok:
            return f"导入失败：共 {len(self.errors)} 处错误，未保存任何数据"
        if self.needs_confirmation:
            return f"将新建队伍：{'、'.join(self.new_teams)}。请核对队伍名称，确认后再导入（尚未保存任何数据）"
        extra = f"，新建队伍 {self.teams_created} 支" if self.teams_created else ""
        warned = f"；{len(self.warnings)} 行需核实（见提示）" if self.warnings else ""
        return f"导入完成：共 {self.rows} 行，新增 {self.created} 条，与已有记录相同而跳过 {self.skipped} 条{extra}{warned}"


class ImportRejected(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__(errors[0].message if errors else "")
        self.errors = errors


# -- reading the file -------------------------------------------------------------------------


def read_table(data: bytes) -> tuple[list[Any], list[tuple[int, list[Any]]]]:
    """Header cells and (Excel row number, cell values) for the first sheet of an .xlsx file,
    or for a CSV. Blank rows are skipped; xlsx cells keep their types (dates stay dates)."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRejected([RowError(0, "", "不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV")])
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data)
    try:
        header, rows = read_csv_rows(data)
    except FileFormatError as exc:
        raise ImportRejected([RowError(0, "", str(exc))]) from exc
    return header, [(number, [row[h] for h in header]) for number, row in rows]


# An .xlsx is a zip: a few kilobytes can declare gigabytes of XML (a "zip bomb"). A full
# template of IMPORT_MAX_ROWS rows is far below this; Python's zipfile never inflates a member
# beyond its declared size, so checking the declared sizes bounds memory and time.
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024
# Rows read (blank ones included) before giving up: blank rows cost time too.
_MAX_SCANNED_ROWS_EXTRA = 10_000


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            declared = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ImportRejected([RowError(0, "", "无法读取 Excel 文件，请使用下载的模板另存为 .xlsx")]) from exc
    if declared > MAX_XLSX_UNCOMPRESSED:
        raise ImportRejected([RowError(0, "", "Excel 文件解压后过大（可能是异常或损坏的文件），请另存为 .xlsx 或 CSV 后分批导入")])


def _read_xlsx(data: bytes):
    from openpyxl import load_workbook

    _check_zip(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ImportRejected([RowError(0, "", "无法读取 Excel 文件，请使用下载的模板另存为 .xlsx")]) from exc
    try:
        sheet = workbook.worksheets[0]
        # The declared <dimension> is not trusted: A1:XFD1048576 would pad every row.
        sheet.reset_dimensions()
        header: list[Any] = []
        rows: list[tuple[int, list[Any]]] = []
        limit = settings.IMPORT_MAX_ROWS
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > limit + _MAX_SCANNED_ROWS_EXTRA:
                raise ImportRejected([RowError(0, "", f"表格行数（含空行）过多，超过 {limit} 行上限，请删除多余的空行后分批导入")])
            if number == 1:
                header = list(values)
                continue
            if not any(v is not None and str(v).strip() for v in values):
                continue
            rows.append((number, list(values)))
            if len(rows) > limit:
                break
        _reject_formulas_without_result(data, sheet, header)
        return header, rows
    finally:
        workbook.close()


def _reject_formulas_without_result(data: bytes, sheet, header: list[Any]) -> None:
    """Formula cells with no stored result read as empty: name them instead (row and column)."""
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        refs = formulas_without_result(archive, sheet._worksheet_path)
    errors = []
    for ref in refs:
        letter, row = coordinate_from_string(ref)
        col = column_index_from_string(letter) - 1
        label = str(header[col]).strip() if col < len(header) and header[col] is not None and row > 1 else ""
        errors.append(RowError(row, label or f"{letter} 列", FORMULA_WITHOUT_RESULT))
    if errors:
        raise ImportRejected(errors)


def _map_header(spec: KindSpec, header: list[Any]) -> tuple[dict[str, int], list[RowError]]:
    """Column index per field; required columns must be present, unknown columns are refused."""
    by_label = {normalize_label(f.label): f for f in spec.template_fields}
    index: dict[str, int] = {}
    errors = []
    for i, cell in enumerate(header):
        label = normalize_label(cell)
        if not label:
            continue  # Excel leaves empty header cells after the last column
        f = by_label.get(label)
        if f is None:
            errors.append(RowError(1, str(cell).strip(), f"未知的列，{spec.label}模板的列为：{'、'.join(spec.headers)}"))
        elif f.name in index:
            errors.append(RowError(1, f.label, "列重复"))
        else:
            index[f.name] = i
    for f in spec.template_fields:
        if f.name not in index and f.required:
            errors.append(RowError(1, f.label, "缺少必需的列"))
    return index, errors


# -- the import -----------------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    values: dict[str, Any]
    unit: Unit | None = None


def import_records(*, kind: str, data: bytes, actor=None, filename: str = "", today: date | None = None,
                   confirm_new_teams: bool = True) -> ImportResult:
    """Validate the whole file and save it, or save nothing and return every error.

    ``actor`` None is a system import (the management command without --user): any unit.
    ``confirm_new_teams`` False: a file naming teams that do not exist yet is not saved; the
    result lists them (a typo in 队伍名称 would otherwise quietly create a second team).
    """
    spec = KINDS[kind]
    result = ImportResult(kind=kind)
    today = today or local_today()
    try:
        rows = _validated_rows(spec, data, today, result)
        if result.errors:
            return result
        _resolve_units(spec, rows, actor, result)
        if result.errors:
            return result
    except ImportRejected as exc:
        result.errors = exc.errors
        return result
    if spec.key == "roster" and not confirm_new_teams:
        wanted = {(row.unit, row.values["team_name"]): row.values["team_type"] for row in rows}
        result.new_teams = [f"{unit.name} {name}（{TeamType(team_type).label}）"
                            for unit, name, team_type in missing_teams(wanted)]
        if result.new_teams:
            result.needs_confirmation = True
            return result
    _save(spec, rows, actor, result, filename, today)
    return result


def _validated_rows(spec: KindSpec, data: bytes, today: date, result: ImportResult) -> list[_Row]:
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise ImportRejected([RowError(0, "", f"文件超过 {settings.IMPORT_MAX_BYTES // (1024 * 1024)} MB 上限，请分批导入")])
    header, raw_rows = read_table(data)
    index, header_errors = _map_header(spec, header)
    if header_errors:
        raise ImportRejected(header_errors)
    if not raw_rows:
        raise ImportRejected([RowError(0, "", "文件中没有数据行")])
    if len(raw_rows) > settings.IMPORT_MAX_ROWS:
        raise ImportRejected([RowError(0, "", f"文件超过 {settings.IMPORT_MAX_ROWS} 行上限，请分批导入")])
    result.rows = len(raw_rows)
    fields = [f for f in spec.template_fields if f.name in index or not f.required]
    rows = []
    for number, cells in raw_rows:
        raw = {name: (cells[i] if i < len(cells) else None) for name, i in index.items()}
        cleaned, errors = validate_values(spec, raw, today=today, fields=fields)
        result.errors += [RowError(number, e.column, e.message) for e in errors]
        rows.append(_Row(number, cleaned))
    return rows


def _resolve_units(spec: KindSpec, rows: list[_Row], actor, result: ImportResult) -> None:
    """Unit codes known, at township or village level, and inside the actor's jurisdiction."""
    units = {u.code: u for u in Unit.objects.filter(code__in={r.values["unit_code"] for r in rows})}
    label = spec.field("unit_code").label
    for row in rows:
        code = row.values["unit_code"]
        unit = units.get(code)
        # Outside the jurisdiction reads like "unknown": a file must not reveal other units' names.
        if unit is None and actor is None:
            result.errors.append(RowError(row.number, label, f"单位代码 {code} 不存在"))
        elif unit is None or (actor is not None and not can(actor, Action.VIEW, unit)):
            result.errors.append(RowError(row.number, label, f"单位代码 {code} 不存在或不在您的填报范围内"))
        elif unit.level not in RECORD_LEVELS:
            result.errors.append(RowError(row.number, label, f"{unit.name}不是乡镇(街道)或村(社区)，不能填报记录"))
        elif actor is not None and not can(actor, Action.SUBMIT, unit):
            result.errors.append(RowError(row.number, label, f"您没有为{unit.name}填报记录的权限"))
        else:
            row.unit = unit


@transaction.atomic
def _save(spec: KindSpec, rows: list[_Row], actor, result: ImportResult, filename: str, today: date) -> None:
    outcome = records_insert(kind=spec.key, drafts=[Draft(row.unit, row.values, row.number) for row in rows],
                             actor=actor, source=Source.IMPORT, change_reason="导入")
    if outcome.refused:
        transaction.set_rollback(True)  # teams made for the file go too: nothing is saved
        result.errors = sorted(
            (RowError(r.draft.row, spec.field(r.error.field).label if r.error.field else "", r.error.message)
             for r in outcome.refused),
            key=lambda e: e.row,
        )
        return
    result.created, result.skipped = len(outcome.created), len(outcome.present)
    result.teams_created = outcome.teams_created
    if spec.key == "roster":
        result.warnings = _team_duplicate_warnings(outcome, rows, today)
    elif spec.key == "personnel":
        result.warnings = _unit_duplicate_warnings(outcome, rows, today)
    record_event(actor=actor, action="evidence.import", kind=spec.key, filename=filename[:100], rows=result.rows,
                 created=result.created, skipped=result.skipped, teams_created=result.teams_created)


def _team_duplicate_warnings(outcome, rows: list[_Row], today: date) -> list[str]:
    """「重复在册」: saved rows whose person (same ID number, by blind index) is also active today in
    another team of the county. A warning, not an error: the rules count the person for one team
    only (docs/semantics.md §3.3). One query, whatever the size of the file."""
    row_of = {record.pk: draft.row for draft, record in zip(outcome.created_from, outcome.created, strict=True)}
    row_of.update({twin: draft.row for draft, twin in outcome.present})
    memberships = team_duplicates(county_codes={row.unit.county_code for row in rows}, on=today)
    by_person: dict[tuple[str, str], list[dict]] = {}
    for m in memberships:
        by_person.setdefault((m["team__unit__county_code"], m["identity_key"]), []).append(m)
    warnings = []
    for m in memberships:
        if m["id"] not in row_of:
            continue
        others = [o for o in by_person[(m["team__unit__county_code"], m["identity_key"])] if o["team_id"] != m["team_id"]]
        where = "、".join(dict.fromkeys(f"{o['team__unit__name']}“{o['team__name']}”" for o in others))
        warnings.append((row_of[m["id"]], f"第 {row_of[m['id']]} 行：身份证号与 {where} 的在册人员重复（将只计入一支队伍）"))
    return [text for _, text in sorted(warnings)]


def _unit_duplicate_warnings(outcome, rows: list[_Row], today: date) -> list[str]:
    """「重复在册」 for people: saved rows whose person (same ID number, by blind index) is active
    today on another unit's personnel roster in the county. A warning, the file is saved."""
    row_of = {record.pk: draft.row for draft, record in zip(outcome.created_from, outcome.created, strict=True)}
    row_of.update({twin: draft.row for draft, twin in outcome.present})
    people = unit_duplicates(county_codes={row.unit.county_code for row in rows}, on=today)
    by_person: dict[tuple[str, str], list[dict]] = {}
    for p in people:
        by_person.setdefault((p["unit__county_code"], p["identity_key"]), []).append(p)
    warnings = []
    for p in people:
        if p["id"] not in row_of:
            continue
        others = [o for o in by_person[(p["unit__county_code"], p["identity_key"])] if o["unit_id"] != p["unit_id"]]
        where = "、".join(dict.fromkeys(o["unit__name"] for o in others))
        warnings.append((row_of[p["id"]], f"第 {row_of[p['id']]} 行：身份证号与 {where} 的在册人员重复"
                                          "（同一人同时在多个单位在册，请核实）"))
    return [text for _, text in sorted(warnings)]
