"""import_users: create or update accounts from a CSV file, all rows or none.

Header exactly ``username,full_name,role,unit_code,mobile,email``; UTF-8 (with or without BOM) or
GB18030, read by the project's one CSV reader (apps.core.csvio). Every row is validated before
anything is written; errors name the row (the header is row 1, as Excel shows it) and the column.
Idempotent: an existing username is brought to the file's values (name, contacts, role, grant)
and keeps its password; a new one gets a one-time initial password it must change at first login.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from apps.accounts import usermgmt
from apps.accounts.models import ADMIN_ROLES, ASSIGNED_ROLES, Role, User
from apps.core.audit import record_event
from apps.core.csvio import FileFormatError, read_csv_rows
from apps.core.pii import is_valid_mobile, normalize_mobile
from apps.jurisdictions.models import Unit

HEADER = ["username", "full_name", "role", "unit_code", "mobile", "email"]
USERNAME_RE = re.compile(r"^[\w.@+-]{1,150}\Z")
# The level of unit each role is granted on (auditors: any subtree).
IMPORT_ROLES = [r.value for r in Role if r in ASSIGNED_ROLES]
ROLE_LEVELS = {
    Role.COUNTY_OFFICIAL: {"county"},
    Role.TOWNSHIP_STAFF: {"township", "village"},
    Role.AUDITOR: {"province", "city", "county", "township", "village"},
}


@dataclass
class RowError:
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = f"第 {self.row} 行，" if self.row else ""
        return f"{where}{self.column} 列：{self.message}" if self.column else f"{where}{self.message}"


@dataclass
class ImportResult:
    created: list[tuple[str, str]] = field(default_factory=list)  # (username, one-time password)
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Row:
    number: int
    username: str
    full_name: str
    role: str
    unit: Unit | None
    mobile: str
    email: str


def _validate(rows) -> tuple[list[_Row], list[RowError]]:
    errors: list[RowError] = []
    units = {u.code: u for u in Unit.objects.filter(code__in={r["unit_code"] for _, r in rows if r["unit_code"]})}
    seen: dict[str, int] = {}
    parsed = []
    for number, r in rows:
        before = len(errors)
        username, role, code = r["username"], r["role"], r["unit_code"]
        if not USERNAME_RE.match(username):
            errors.append(RowError(number, "username", "用户名不能为空，只能包含字母、数字和 @/./+/-/_，最长 150 个字符"))
        elif username.lower() in seen:
            errors.append(RowError(number, "username", f"用户名与第 {seen[username.lower()]} 行重复"))
        seen.setdefault(username.lower(), number)
        if len(r["full_name"]) > 50:
            errors.append(RowError(number, "full_name", "姓名不能超过 50 个字"))
        unit = None
        if role not in ASSIGNED_ROLES:  # an import names the role it gives ("none" is not one)
            errors.append(RowError(number, "role", f"角色“{role}”无效，应为 {'/'.join(IMPORT_ROLES)} 之一"))
        elif role in ADMIN_ROLES:
            if code:
                errors.append(RowError(number, "unit_code", f"{Role(role).label}不分配辖区，unit_code 须为空"))
        elif not code:
            errors.append(RowError(number, "unit_code", "非管理员角色必须填写所授辖区的区划代码"))
        elif code not in units:
            errors.append(RowError(number, "unit_code", f"区划代码 {code} 不存在"))
        elif units[code].level not in ROLE_LEVELS[role]:
            errors.append(RowError(number, "unit_code",
                                   f"{Role(role).label}不能授予{units[code].get_level_display()}级单位 {code}"))
        else:
            unit = units[code]
        mobile = normalize_mobile(r["mobile"])
        if mobile and not is_valid_mobile(mobile):
            errors.append(RowError(number, "mobile", "手机号应为 11 位数字"))
        if r["email"]:
            try:
                validate_email(r["email"])
            except ValidationError:
                errors.append(RowError(number, "email", "电子邮箱格式不正确"))
        if len(errors) == before:
            parsed.append(_Row(number, username, r["full_name"], role, unit, mobile, r["email"]))
    return parsed, errors


def import_users(*, data: bytes, actor=None) -> ImportResult:
    result = ImportResult()
    try:
        header, rows = read_csv_rows(data)
    except FileFormatError as exc:
        result.errors.append(RowError(None, "", str(exc)))
        return result
    if header != HEADER:
        result.errors.append(RowError(1, "", f"表头应为 {','.join(HEADER)}，实际为 {','.join(header)}"))
        return result
    parsed, result.errors = _validate(rows)
    if result.errors:
        return result
    try:
        with transaction.atomic():
            _apply(parsed, result, actor)
    except IntegrityError:
        # Another process created one of these usernames meanwhile: nothing of this file is kept.
        return ImportResult(errors=[RowError(None, "username", "导入期间有用户名被同时创建，未保存任何数据，请重试")])
    return result


def _apply(parsed: list[_Row], result: ImportResult, actor) -> None:
    existing = {u.username: u for u in User.objects.filter(username__in=[r.username for r in parsed])}
    for row in parsed:
        user = existing.get(row.username)
        units = [row.unit] if row.unit else []
        if user is None:
            created = usermgmt.user_create(actor=actor, username=row.username, role=row.role, units=units,
                                           full_name=row.full_name, mobile=row.mobile, email=row.email)
            result.created.append((row.username, created.password))
            continue
        changed = bool(usermgmt.user_update(actor=actor, user=user, full_name=row.full_name, mobile=row.mobile,
                                            email=row.email))
        changed |= usermgmt.user_set_role(actor=actor, user=user, role=row.role)
        changed |= usermgmt.user_set_grants(actor=actor, user=user, units=units)
        if changed:
            result.updated += 1
        else:
            result.unchanged += 1
    record_event(actor=actor, action="accounts.users_imported", created=[u for u, _ in result.created],
                 updated=result.updated, unchanged=result.unchanged)
