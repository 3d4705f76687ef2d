"""Unit grants live in django-guardian's direct foreign-key table (apps.accounts.models
UnitUserObjectPermission), never in guardian's generic table: every write path (access.grant,
revoke, set_grants, change_role) and guardian's own shortcuts pick it, and migration 0006 moves the
generic rows of an existing database across (and back)."""

import importlib
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from guardian.core import ObjectPermissionChecker
from guardian.models import GroupObjectPermission, UserObjectPermission
from guardian.shortcuts import get_objects_for_user
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

from apps.accounts import access
from apps.accounts.models import Role, UnitGroupObjectPermission, UnitUserObjectPermission
from apps.core.models import AuditEvent
from tests.factories import make_unit, make_user

pytestmark = pytest.mark.django_db
move = importlib.import_module("apps.accounts.migrations.0006_move_unit_grants")


def test_it_stores_a_grant_as_a_foreign_key_to_the_unit(units, people):
    row = UnitUserObjectPermission.objects.get(user=people["township"])
    assert row.content_object == units["140121100000"] and row.permission.codename == "report_unit"
    assert not UserObjectPermission.objects.exists()


def test_guardian_picks_the_direct_models_for_a_unit_by_itself(units, people):
    assert get_user_obj_perms_model(units["140121100000"]) is UnitUserObjectPermission
    assert get_group_obj_perms_model(units["140121100000"]) is UnitGroupObjectPermission
    county = people["county"]
    assert list(get_objects_for_user(county, "jurisdictions.govern_unit", with_superuser=False)) == [
        units["140121000000"]]
    checker = ObjectPermissionChecker(county)
    assert checker.has_perm("govern_unit", units["140121000000"])
    assert not checker.has_perm("govern_unit", units["120118000000"])


def test_every_write_path_keeps_to_the_direct_table(units, people):
    user = people["township"]
    access.set_grants(user, [units["140121101000"], units["140121100201"]])
    access.change_role(user, Role.COUNTY_OFFICIAL)
    access.revoke(user, units["140121100201"])
    rows = UnitUserObjectPermission.objects.filter(user=user).values_list("content_object__code", "permission__codename")
    assert sorted(rows) == [("140121101000", "govern_unit")]
    assert not UserObjectPermission.objects.exists() and not GroupObjectPermission.objects.exists()


def test_it_removes_and_audits_the_grants_of_a_deleted_unit(units):
    hamlet = make_unit("140121101202", "南关村", "village", units["140121101000"])
    staff = make_user("hamlet_staff", Role.TOWNSHIP_STAFF, hamlet)
    hamlet.delete()
    assert access.grants(staff) == () and not UnitUserObjectPermission.objects.filter(user=staff).exists()
    event = AuditEvent.objects.filter(action="accounts.grant_removed").latest("pk")
    assert event.unit_code == "140121101202" and event.target == "user=hamlet_staff"


def test_the_migration_moves_generic_unit_grants_across_and_back(units, people):
    UnitUserObjectPermission.objects.all().delete()
    unit_type = ContentType.objects.get_for_model(units["140121100000"])
    report = Permission.objects.get(content_type=unit_type, codename="report_unit")
    township = people["township"]
    # bulk_create: guardian's save() refuses a row whose object does not exist (the orphan)
    UserObjectPermission.objects.bulk_create([
        UserObjectPermission(user=township, permission=report, content_type=unit_type,
                             object_pk=str(units["140121100000"].pk)),
        UserObjectPermission(user=township, permission=report, content_type=unit_type,
                             object_pk="987654321"),  # its unit was deleted
    ])
    orphan = UserObjectPermission.objects.get(object_pk="987654321")
    township.__dict__.pop("_jurisdiction_grants", None)
    assert access.grants(township) == ()

    move.generic_to_direct(django_apps, None)

    township.__dict__.pop("_jurisdiction_grants")
    assert [g.code for g in access.grants(township)] == ["140121100000"]
    assert list(UserObjectPermission.objects.values_list("pk", flat=True)) == [orphan.pk]

    move.direct_to_generic(django_apps, None)

    assert not UnitUserObjectPermission.objects.exists()
    assert sorted(UserObjectPermission.objects.values_list("object_pk", flat=True)) == sorted(
        ["987654321", str(units["140121100000"].pk)])


def test_no_module_reads_the_generic_table_or_casts_its_text_key():
    apps_dir = Path(settings.BASE_DIR) / "apps"
    offenders = [
        str(path.relative_to(apps_dir)) for path in apps_dir.rglob("*.py")
        if "migrations" not in path.parts
        and any(s in path.read_text(encoding="utf-8") for s in ("object_pk", "Cast(", "guardian.models import User"))
    ]
    assert offenders == []
