"""Move the unit grants from django-guardian's generic tables into the direct foreign-key tables of
0005 (and back on reverse).

A generic row names its unit by the text ``object_pk``; the key is converted in Python, so no cast
runs in SQL. Rows whose unit no longer exists (left behind by a deleted unit: the generic table has
no foreign key) name nothing and stay where they are; ``manage.py clean_orphan_obj_perms`` removes
them. The move runs in the migration's transaction: a failure leaves both tables as they were."""

from django.db import migrations

BATCH = 1000
# (guardian's generic model, the direct model of 0005, the owner column)
TABLES = (
    ("UserObjectPermission", "UnitUserObjectPermission", "user_id"),
    ("GroupObjectPermission", "UnitGroupObjectPermission", "group_id"),
)


def _unit_content_type(apps, create=False):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if create:
        return ContentType.objects.get_or_create(app_label="jurisdictions", model="unit")[0]
    return ContentType.objects.filter(app_label="jurisdictions", model="unit").first()


def generic_to_direct(apps, schema_editor):
    unit_type = _unit_content_type(apps)
    if unit_type is None:  # a new database: content types are created after the migrations
        return
    Unit = apps.get_model("jurisdictions", "Unit")
    for generic_name, direct_name, owner in TABLES:
        Generic = apps.get_model("guardian", generic_name)
        Direct = apps.get_model("accounts", direct_name)
        rows = list(Generic.objects.filter(content_type=unit_type).order_by("pk")
                    .values_list("pk", owner, "permission_id", "object_pk"))
        for start in range(0, len(rows), BATCH):
            batch = [(pk, who, perm, int(key)) for pk, who, perm, key in rows[start:start + BATCH]
                     if key.isdigit()]
            existing = set(Unit.objects.filter(pk__in={key for *_, key in batch}).values_list("pk", flat=True))
            moved = [(pk, who, perm, key) for pk, who, perm, key in batch if key in existing]
            Direct.objects.bulk_create(
                [Direct(**{owner: who}, permission_id=perm, content_object_id=key) for _, who, perm, key in moved],
                ignore_conflicts=True,
            )
            Generic.objects.filter(pk__in=[pk for pk, *_ in moved]).delete()


def direct_to_generic(apps, schema_editor):
    for generic_name, direct_name, owner in TABLES:
        Generic = apps.get_model("guardian", generic_name)
        Direct = apps.get_model("accounts", direct_name)
        rows = list(Direct.objects.order_by("pk").values_list(owner, "permission_id", "content_object_id"))
        if not rows:
            continue
        unit_type = _unit_content_type(apps, create=True)
        for start in range(0, len(rows), BATCH):
            Generic.objects.bulk_create(
                [Generic(**{owner: who}, permission_id=perm, content_type=unit_type, object_pk=str(key))
                 for who, perm, key in rows[start:start + BATCH]],
                ignore_conflicts=True,
            )
        Direct.objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0005_unit_grants_direct_fk"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("guardian", "0003_remove_groupobjectpermission_guardian_gr_content_ae6aec_idx_and_more"),
    ]

    operations = [migrations.RunPython(generic_to_direct, direct_to_generic)]
