"""Importing evidence from the .xlsx templates (or a CSV with the same header).

All or nothing: every row is checked first (validation.validate_values, the same code path as
forms and the API), then units, people, teams and stored fingerprints are looked up with one
query each, and only a file without a single error is written, with bulk inserts. A row whose
fingerprint matches a stored record (or an earlier row) is recognised and skipped, so importing
the same or a corrected file again never duplicates records.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from apps.accounts.access import Action, can
from apps.core.audit import record_event
from apps.core.csvio import FileFormatError, read_csv_rows
from apps.core.pii import mask_id_number
from apps.evidence.kinds import KINDS, KindSpec
from apps.evidence.models import Person, ReviewStatus, Source, Team
from apps.evidence.records import apply_values
from apps.evidence.services import RECORD_LEVELS, record_fingerprint_team
from apps.evidence.services import today as local_today
from apps.evidence.validation import fingerprint, normalize_label, person_key, validate_values
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

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if not self.ok:
            return f"导入失败：共 {len(self.errors)} 处错误，未保存任何数据"
        if self.needs_confirmation:
            return f"将新建队伍：{'、'.join(self.new_teams)}。请核对队伍名称，确认后再导入（尚未保存任何数据）"
        extra = f"，新建队伍 {self.teams_created} 支" if self.teams_created else ""
        return f"导入完成：共 {self.rows} 行，新增 {self.created} 条，与已有记录相同而跳过 {self.skipped} 条{extra}"


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
        records, teams = _build(spec, rows, actor, result)
        if result.errors:
            return result
    except ImportRejected as exc:
        result.errors = exc.errors
        return result
    result.new_teams = [f"{t.unit.name} {t.name}（{t.get_team_type_display()}）"
                        for t in teams.values() if t.pk is None]
    if result.new_teams and not confirm_new_teams:
        result.needs_confirmation = True
        return result
    _save(spec, records, teams, actor, result, filename)
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


def _build(spec: KindSpec, rows: list[_Row], actor, result: ImportResult):
    """Model instances for the new rows; rows already stored (same fingerprint) are skipped."""
    unit_ids = {row.unit.pk for row in rows}
    stored = spec.model.objects.alive().filter(unit_id__in=unit_ids)
    fields = ["fingerprint"] + (["name", "id_number"] if spec.key in ("personnel", "roster") else [])
    fields += {"personnel": ["category"], "roster": ["team__name"]}.get(spec.key, [])
    stored_rows = list(stored.values("unit_id", *fields))
    known = {r["fingerprint"] for r in stored_rows}
    taken = {_identity(spec, r["unit_id"], r) for r in stored_rows} if spec.identity else set()

    people = _people_index(rows) if spec.key == "trainings" else {}
    teams = _team_index(rows, actor) if spec.key == "roster" else {}
    seen_keys: dict[tuple, int] = {}
    in_file: dict[str, int] = {}
    records = []
    for row in rows:
        v = row.values
        record = spec.model(unit=row.unit, created_by=actor, source=Source.IMPORT, review_status=ReviewStatus.SUBMITTED)
        apply_values(spec, record, v)
        if spec.key == "trainings":
            person = _find_person(people, row, result)
            if person is None:
                continue
            record.person = person
        if spec.key == "roster":
            record.team = teams[(row.unit.pk, v["team_name"], v["team_type"])]
        template_values = {f.name: v.get(f.name) for f in spec.template_fields if f.name != "unit_code"}
        if spec.key == "trainings":
            template_values.update(id_number=record.person.id_number, name=record.person.name)
        record.fingerprint = fingerprint(spec.key, row.unit.code, template_values)
        if record.fingerprint in in_file:
            result.errors.append(RowError(row.number, "", f"与第 {in_file[record.fingerprint]} 行完全相同，请删除重复行"))
            continue
        in_file[record.fingerprint] = row.number
        if record.fingerprint in known:
            result.skipped += 1
            continue
        if spec.identity:
            identity = _identity(spec, row.unit.pk, {**v, "team__name": v.get("team_name")})
            column = "身份证号" if v.get("id_number") else "姓名"
            if identity in seen_keys:
                result.errors.append(RowError(row.number, column, f"同一人在文件中重复出现（与第 {seen_keys[identity]} 行相同）"))
                continue
            if identity in taken:
                where = f"队伍“{v['team_name']}”" if spec.key == "roster" else "该单位同一人员类别"
                result.errors.append(RowError(row.number, column, f"该人员已在{where}中登记，不能重复；如需更正请在系统中编辑原记录"))
                continue
            seen_keys[identity] = row.number
        records.append(record)
    return records, teams


def _identity(spec: KindSpec, unit_id: int, r: dict) -> tuple:
    extra = r.get("category") if spec.key == "personnel" else r.get("team__name")
    return (unit_id, extra, person_key(r.get("id_number") or "", r.get("name") or ""))


def _people_index(rows: list[_Row]) -> dict[tuple, list[Person]]:
    """Alive people of the file's units by (unit, id:…) and (unit, name:…), in one query."""
    index: dict[tuple, list[Person]] = {}
    for person in Person.objects.alive().filter(unit_id__in={r.unit.pk for r in rows}):
        if person.id_number:
            index.setdefault((person.unit_id, f"id:{person.id_number}"), []).append(person)
        index.setdefault((person.unit_id, f"name:{person.name}"), []).append(person)
    return index


def _find_person(people: dict, row: _Row, result: ImportResult) -> Person | None:
    id_number, name = row.values.get("id_number") or "", row.values.get("name") or ""
    if id_number:
        found = people.get((row.unit.pk, f"id:{id_number}"), [])
        if not found:
            result.errors.append(RowError(row.number, "身份证号",
                                          f"{row.unit.name}未登记身份证号为 {mask_id_number(id_number)} 的人员，请先导入人员"))
            return None
        return found[0]
    found = people.get((row.unit.pk, f"name:{name}"), [])
    if len(found) != 1:
        reason = "未登记该姓名的人员，请先导入人员" if not found else "有多名同名人员，请填写身份证号"
        result.errors.append(RowError(row.number, "姓名", f"{row.unit.name}{reason}"))
        return None
    return found[0]


def _team_index(rows: list[_Row], actor) -> dict[tuple, Team]:
    """Existing teams by (unit, name, type) in one query; missing ones prepared unsaved."""
    teams = {
        (t.unit_id, t.name, t.team_type): t
        for t in Team.objects.alive().filter(unit_id__in={r.unit.pk for r in rows})
    }
    for row in rows:
        key = (row.unit.pk, row.values["team_name"], row.values["team_type"])
        if key not in teams:
            team = Team(unit=row.unit, name=key[1], team_type=key[2], created_by=actor, source=Source.IMPORT)
            team.fingerprint = record_fingerprint_team(team)
            teams[key] = team
    return teams


@transaction.atomic
def _save(spec: KindSpec, records: list, teams: dict, actor, result: ImportResult, filename: str) -> None:
    history_user = actor if getattr(actor, "is_authenticated", False) else None
    new_teams = [t for t in teams.values() if t.pk is None]
    if new_teams:
        bulk_create_with_history(new_teams, Team, batch_size=2000, default_user=history_user,
                                 default_change_reason="导入")
        for record in records:
            record.team_id = record.team.pk  # the instances now carry their primary keys
        result.teams_created = len(new_teams)
    if records:
        bulk_create_with_history(records, spec.model, batch_size=2000, default_user=history_user,
                                 default_change_reason="导入")
    result.created = len(records)
    record_event(actor=actor, action="evidence.import", kind=spec.key, filename=filename[:100], rows=result.rows,
                 created=result.created, skipped=result.skipped, teams_created=result.teams_created)
