"""The one access policy of the portal.

Every view, API endpoint, export and task asks this module two questions:

* ``can(user, action, unit)`` — may this user do this action on this unit?
* ``unit_q(user, action, field)`` / ``units_for(user, action)`` — which units may they act on,
  as a SQL filter (code ranges), never as a list of ids pulled into Python.

A user's reach comes from grants: one django-guardian object permission per (user, unit), whose
codename is the user's role, stored in guardian's direct foreign-key table for units
(``UnitUserObjectPermission``: a grant joins Unit like any relation). Everything under a granted
unit is reachable through the 12-digit code prefix. Nothing else in the project touches
django-guardian.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import F, Q
from django.http import Http404
from guardian.shortcuts import assign_perm, remove_perm

from apps.accounts.models import Role, UnitUserObjectPermission
from apps.accounts.selectors import security_settings
from apps.jurisdictions.codes import Level, subtree_range
from apps.jurisdictions.models import Unit


class Action(StrEnum):
    VIEW = "view"  # read units, evaluations, evidence
    SUBMIT = "submit"  # create and change evidence records (township staff)
    VERIFY = "verify"  # verify or return submitted records (county officials)
    SUPERVISE = "supervise"  # send 督办 reminders (county officials)
    EXPORT = "export"  # PDF / Excel scorecards and reports
    SEAL = "seal"  # freeze an evaluation for audit (auditors)
    ADMIN = "admin"  # administer units, users, imports of the hierarchy
    MANAGE_USERS = "manage_users"  # 用户管理: township and village staff accounts (county officials)


ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.COUNTY_OFFICIAL: frozenset({Action.VIEW, Action.VERIFY, Action.SUPERVISE, Action.EXPORT,
                                     Action.MANAGE_USERS}),
    Role.TOWNSHIP_STAFF: frozenset({Action.VIEW, Action.SUBMIT, Action.EXPORT}),
    Role.AUDITOR: frozenset({Action.VIEW, Action.EXPORT, Action.SEAL}),
    Role.SYSTEM_ADMIN: frozenset(Action),
    # The security and audit administrators act on accounts and the audit log, never on units.
    Role.SECURITY_ADMIN: frozenset(),
    Role.AUDIT_ADMIN: frozenset(),
    # No role: no action anywhere, and no grant can be given (GRANT_CODENAME has no entry), so
    # every filter below is empty; the session middleware shows 「尚未分配角色」 on every page.
    Role.NONE: frozenset(),
}

# guardian permission codenames on Unit, one per role that holds grants (declared in the
# migration of accounts). The security and audit administrators hold none.
GRANT_CODENAME = {
    Role.COUNTY_OFFICIAL: "jurisdictions.govern_unit",
    Role.TOWNSHIP_STAFF: "jurisdictions.report_unit",
    Role.AUDITOR: "jurisdictions.audit_unit",
    Role.SYSTEM_ADMIN: "jurisdictions.administer_unit",
}

# 三员分立: what each administrator may do in /admin/, as (app_label, model or "*", actions or
# "*"). Django's model permissions are derived from this table alone (apps.accounts.backends);
# the superuser flag and per-user/group permissions are not used.
#   system administrator: users (not their roles or grants), units, the catalog, schedules;
#   security administrator: roles, grants, API tokens, lockouts, MFA devices, 安全设置;
#   audit administrator: reads (and exports) the audit log, changes nothing.
# The system and audit administrators may read 安全设置, not change it.
ROLE_MODEL_PERMISSIONS: dict[str, tuple[tuple[str, str, str], ...]] = {
    Role.SYSTEM_ADMIN: (
        ("accounts", "user", "view add change"),
        ("accounts", "securitysettings", "view"),
        ("jurisdictions", "*", "*"),
        ("policies", "*", "*"),
        ("compliance", "*", "*"),
        ("django_celery_beat", "*", "*"),
    ),
    Role.SECURITY_ADMIN: (
        ("accounts", "user", "view change"),
        ("accounts", "apitoken", "*"),
        ("accounts", "securitysettings", "view change"),
        ("jurisdictions", "unit", "view"),
        ("axes", "*", "view delete"),
        ("otp_totp", "*", "view delete"),
        ("otp_static", "*", "view delete"),
    ),
    Role.AUDIT_ADMIN: (
        ("core", "auditevent", "view"),
        ("accounts", "securitysettings", "view"),
    ),
}


def model_permissions(user) -> frozenset[str]:
    """The ``app_label.codename`` model permissions of the user's role."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    return _role_model_permissions(user.role)


# Permission rows change only with migrations (a deploy restarts the processes), so each role's
# set is read once per process instead of once per request.
_ROLE_PERMISSION_CACHE: dict[str, frozenset[str]] = {}


def _role_model_permissions(role: str) -> frozenset[str]:
    cached = _ROLE_PERMISSION_CACHE.get(role)
    if cached is not None:
        return cached
    q = Q(pk__in=[])
    for app_label, model, actions in ROLE_MODEL_PERMISSIONS.get(role, ()):
        part = Q(content_type__app_label=app_label)
        if model != "*":
            part &= Q(content_type__model=model)
        if actions != "*":
            part &= Q(codename__in=[f"{a}_{model}" for a in actions.split()]) if model != "*" else Q(
                codename__regex=rf"^({'|'.join(actions.split())})_")
        q |= part
    rows = Permission.objects.filter(q).values_list("content_type__app_label", "codename")
    result = frozenset(f"{app}.{codename}" for app, codename in rows)
    if result:  # never cache the empty answer of a database being set up
        _ROLE_PERMISSION_CACHE[role] = result
    return result


@dataclass(frozen=True)
class Grant:
    code: str
    level: str
    name: str


def grants(user) -> tuple[Grant, ...]:
    """The units granted to the user (one query, cached on the user object for the request)."""
    if not getattr(user, "is_authenticated", False):
        return ()
    cached = getattr(user, "_jurisdiction_grants", None)
    if cached is not None:
        return cached
    rows = Unit.objects.filter(user_grants__user_id=user.pk,
                               user_grants__permission__codename=_codename(user.role))
    result = tuple(Grant(*row) for row in rows.order_by("code").values_list("code", "level", "name"))
    user._jurisdiction_grants = result
    return result


def _codename(role: str) -> str:
    """The bare codename of the role's grant permission ("" for a role without grants)."""
    return GRANT_CODENAME.get(role, "").split(".")[-1]


def _role_grants(role: str):
    """All grants of ``role``: rows of the direct table (``user_id``, ``content_object_id``). A role
    that holds no grants is a programming error (KeyError)."""
    return UnitUserObjectPermission.objects.filter(permission__codename=GRANT_CODENAME[role].split(".")[-1])


def _allows(user, action: Action) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return action in ROLE_ACTIONS.get(user.role, frozenset())


def _is_global(user) -> bool:
    return user.role == Role.SYSTEM_ADMIN and not grants(user)


def unit_q(user, action: Action = Action.VIEW, field: str = "") -> Q:
    """A Q object restricting ``{field}code`` to the user's subtrees for ``action``.

    ``field`` is the path to a Unit from the filtered model, e.g. ``"unit__"``.
    """
    if not _allows(user, action):
        return Q(pk__in=[])
    if _is_global(user):
        return Q()
    q = Q(pk__in=[])
    for g in grants(user):
        rng = subtree_range(g.code, g.level)
        q |= Q(**{f"{field}code__gte": rng.low, f"{field}code__lte": rng.high})
    return q


def units_for(user, action: Action = Action.VIEW):
    return Unit.objects.filter(unit_q(user, action))


def filter_for_user(queryset, user, action: Action = Action.VIEW, unit_field: str = "unit"):
    """Restrict any queryset of records owned by a unit to the user's jurisdiction."""
    return queryset.filter(unit_q(user, action, field=f"{unit_field}__"))


def can(user, action: Action, unit: Unit) -> bool:
    """May ``user`` do ``action`` on ``unit``? No query beyond the cached grants."""
    if unit is None or not _allows(user, action):
        return False
    if _is_global(user):
        return True
    for g in grants(user):
        rng = subtree_range(g.code, g.level)
        if rng.low <= unit.code <= rng.high:
            return True
    return False


def get_unit_or_404(user, code: str, action: Action = Action.VIEW) -> Unit:
    """The unit with this code if the user may act on it; 404 otherwise, so an outsider learns
    nothing, not even whether the code exists."""
    unit = Unit.objects.filter(code=code).first()
    if unit is None or not can(user, action, unit):
        raise Http404("单位不存在或不在您的管辖范围内")
    return unit


def home_units(user):
    """The top units of the user's jurisdiction (their grants), for navigation."""
    if _is_global(user):
        return Unit.objects.filter(parent__isnull=True)
    return Unit.objects.filter(code__in=[g.code for g in grants(user)])


@dataclass(frozen=True)
class CountyRecipients:
    """Who the nightly task notifies about one county."""

    officials: list  # active county officials holding a grant on the county or one of its ancestors
    staff: dict[str, list]  # township code: active township staff holding a grant on it or above it


def county_recipients(county: Unit) -> CountyRecipients:
    """The recipients of a county's nightly report (its officials) and reminders (each township's
    staff; only townships someone covers are listed): counties_recipients for one county."""
    return counties_recipients([county])[county.pk]


def counties_recipients(counties: list[Unit]) -> dict[int, CountyRecipients]:
    """CountyRecipients of each county (by id), in one query of the grants of both roles on the
    counties, their ancestors and their townships, however many counties (the nightly task reads
    those of its batch at once). A township staff grant on a county or above it covers every
    township of the county: those counties' townships are then read (a second query)."""
    if not counties:
        return {}
    ranges = {c.pk: subtree_range(c.code, c.level) for c in counties}
    aboves = {c.pk: {*c.ancestor_codes(), c.code} for c in counties}
    in_counties = Q()
    for rng in ranges.values():
        in_counties |= Q(content_object__code__gte=rng.low, content_object__code__lte=rng.high)
    roles = {_codename(role): role for role in (Role.COUNTY_OFFICIAL, Role.TOWNSHIP_STAFF)}
    grants = [g for g in (
        UnitUserObjectPermission.objects.filter(permission__codename__in=roles, user__is_active=True)
        .filter(Q(content_object__code__in=set().union(*aboves.values()))
                | (Q(content_object__level=Level.TOWNSHIP) & in_counties))
        .select_related("user").annotate(unit_code=F("content_object__code"), codename=F("permission__codename"))
        .order_by("user_id")
    ) if g.user.role == roles[g.codename]]
    found: dict[int, tuple[dict, dict, dict]] = {}
    for county in counties:
        above, rng = aboves[county.pk], ranges[county.pk]
        officials: dict[int, object] = {}
        wide: dict[int, object] = {}  # township staff over the whole county
        staff: dict[str, dict[int, object]] = {}
        for g in grants:
            if roles[g.codename] == Role.COUNTY_OFFICIAL:
                if g.unit_code in above:
                    officials.setdefault(g.user.pk, g.user)
            elif g.unit_code in above:
                wide.setdefault(g.user.pk, g.user)
            elif rng.low <= g.unit_code <= rng.high:
                staff.setdefault(g.unit_code, {})[g.user.pk] = g.user
        found[county.pk] = (officials, wide, staff)
    covered = [pk for pk, (_, wide, _) in found.items() if wide]
    if covered:
        spans = Q()
        for pk in covered:
            spans |= Q(code__gte=ranges[pk].low, code__lte=ranges[pk].high)
        for code in Unit.objects.filter(spans, level=Level.TOWNSHIP).values_list("code", flat=True):
            pk = next(pk for pk in covered if ranges[pk].low <= code <= ranges[pk].high)
            _, wide, staff = found[pk]
            staff[code] = {**wide, **staff.get(code, {})}
    return {pk: CountyRecipients(list(officials.values()), {code: list(users.values()) for code, users in staff.items()})
            for pk, (officials, _, staff) in found.items()}


@transaction.atomic
def grant(user, unit: Unit) -> None:
    """Grant the user's role over ``unit`` (and so its whole subtree)."""
    if user.role not in GRANT_CODENAME:
        raise ValueError(f"{user.get_role_display()}不分配辖区")
    assign_perm(GRANT_CODENAME[user.role], user, unit)
    user.__dict__.pop("_jurisdiction_grants", None)


@transaction.atomic
def revoke(user, unit: Unit) -> None:
    if user.role not in GRANT_CODENAME:
        return
    remove_perm(GRANT_CODENAME[user.role], user, unit)
    user.__dict__.pop("_jurisdiction_grants", None)


def can_global(user, action: Action) -> bool:
    """Actions not tied to one unit (importing the hierarchy, editing the catalog)."""
    return _allows(user, action) and _is_global(user)


def may_change_security_settings(user) -> bool:
    """三员分立: the security administrator, and only they, change 安全设置 (SecuritySettings)."""
    return "accounts.change_securitysettings" in model_permissions(user)


def can_read_audit_log(user) -> bool:
    """三员分立: the audit administrator, and only they, read and export the security audit log."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.role == Role.AUDIT_ADMIN)


# ------------------------------------------------------------------------------
# Accounts: who may manage whose account, and a unit's users
# ------------------------------------------------------------------------------
# A county official manages only staff accounts (township staff, granted on a township or a
# village) inside their subtree; never county officials, auditors or administrators.
MANAGEABLE_ROLES = frozenset({Role.TOWNSHIP_STAFF})
MANAGEABLE_LEVELS = frozenset({"township", "village"})


def may_manage_users(actor) -> bool:
    """Does 用户管理 apply to ``actor`` at all (no query beyond the cached grants)?"""
    return _allows(actor, Action.MANAGE_USERS) and not _is_global(actor) and bool(grants(actor))


def assignable_units(actor):
    """The units 用户管理 offers ``actor`` for a staff account (townships and villages of their county)."""
    return units_for(actor, Action.MANAGE_USERS).filter(level__in=MANAGEABLE_LEVELS)


def manageable_users(actor):
    """Staff accounts ``actor`` may manage: every grant they hold lies in the actor's subtrees (as
    SQL), and they hold at least one."""
    User = get_user_model()
    if not _allows(actor, Action.MANAGE_USERS):
        return User.objects.none()
    perms = _role_grants(Role.TOWNSHIP_STAFF)
    inside = Unit.objects.filter(unit_q(actor, Action.MANAGE_USERS)).values("pk")
    return (User.objects.filter(role__in=MANAGEABLE_ROLES, pk__in=perms.values("user_id"))
            .exclude(pk__in=perms.exclude(content_object__in=inside).values("user_id")))


def users_granted_on(unit: Unit):
    """Users holding a grant on exactly this unit, whatever their role (the admin's unit page)."""
    return get_user_model().objects.filter(
        pk__in=UnitUserObjectPermission.objects.filter(
            content_object=unit, permission__codename__in=[_codename(role) for role in GRANT_CODENAME],
        ).values("user_id"),
    ).order_by("username")


@transaction.atomic
def set_grants(user, units) -> tuple[list[str], list[str]]:
    """Make ``units`` exactly the user's grants; returns the codes (added, removed)."""
    current = {g.code for g in grants(user)}
    wanted = {u.code: u for u in units}
    added = sorted(set(wanted) - current)
    removed = sorted(current - set(wanted))
    for code in added:
        grant(user, wanted[code])
    for unit in Unit.objects.filter(code__in=removed):
        revoke(user, unit)
    return added, removed


@transaction.atomic
def change_role(user, role: str) -> None:
    """Change the role and carry the grants over (a grant is stored per role)."""
    held = list(Unit.objects.filter(code__in=[g.code for g in grants(user)]))
    for unit in held:
        revoke(user, unit)
    user.role = role
    user.save(update_fields=["role"])
    user.__dict__.pop("_jurisdiction_grants", None)
    if role in GRANT_CODENAME:
        for unit in held:
            grant(user, unit)


def unit_names_of(users) -> dict[int, list[str]]:
    """{user pk: ["清源镇（140121100000）", …]} for a page of users, in one query."""
    by_pk: dict[int, list[str]] = {u.pk: [] for u in users}
    rows = (UnitUserObjectPermission.objects
            .filter(user_id__in=list(by_pk), permission__codename__in=[_codename(role) for role in GRANT_CODENAME])
            .order_by("pk").values_list("user_id", "content_object__name", "content_object__code"))
    for user_id, name, code in rows:
        by_pk[user_id].append(f"{name}（{code}）")
    return by_pk


def may_reveal_personal_data(user, unit: Unit) -> bool:
    """「查看完整信息」: a role listed in 安全设置 (security_settings().pii_reveal_roles, default
    PII_REVEAL_ROLES), over a unit the user may see."""
    return user.role in security_settings().pii_reveal_roles and can(user, Action.VIEW, unit)


# 「重复在册」 (issue 17): who sees the county-wide list of people active in several teams or units.
ROSTER_CONFLICT_ROLES = frozenset({Role.COUNTY_OFFICIAL, Role.AUDITOR})
ROSTER_CONFLICT_LEVELS = frozenset({Level.PROVINCE, Level.CITY, Level.COUNTY})


def may_view_roster_conflicts(user, unit: Unit) -> bool:
    """County officials and (read-only) auditors, over a county or above that they may see."""
    return (getattr(user, "role", None) in ROSTER_CONFLICT_ROLES and unit.level in ROSTER_CONFLICT_LEVELS
            and can(user, Action.VIEW, unit))


def may_export_personal_data(user) -> bool:
    """「导出完整身份证号和手机号」: the roles of 安全设置's pii_reveal_roles (default PII_REVEAL_ROLES),
    over the records they may export (the export's query is filtered by ``unit_q(user, Action.EXPORT)``)."""
    return (getattr(user, "role", None) in security_settings().pii_reveal_roles and _allows(user, Action.EXPORT))
