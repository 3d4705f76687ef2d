"""The county task's catalog specs are built once per process and (catalog key, date), not once
per county task (docs/performance.md, "Fixed cost per county task"), and a changed catalog is
never served from that cache."""

from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import Role
from apps.compliance import selectors
from apps.policies.models import Requirement
from apps.policies.services import requirement_revise
from tests.factories import make_user

NIGHT = date(2026, 6, 12)


def _title(specs, code):
    return next(s.title for s in specs if s.requirement == code)


def test_the_specs_of_a_night_are_built_once_per_catalog_key_and_date(catalog):
    key = selectors.catalog_key()
    specs, later = selectors.night_catalog(key, NIGHT)
    assert specs == selectors.specs_in_force(NIGHT) and later == selectors.catalog_dates(NIGHT)
    with CaptureQueriesContext(connection) as second:
        again, later_again = selectors.night_catalog(key, NIGHT)
    assert len(second) == 0 and again == specs and later_again == later
    with CaptureQueriesContext(connection) as other_day:
        selectors.night_catalog(key, NIGHT + timedelta(days=1))
    assert len(other_day) > 0


def test_a_changed_catalog_gives_fresh_specs_not_the_cached_ones(catalog):
    before, _ = selectors.night_catalog(selectors.catalog_key(), NIGHT)
    requirement = Requirement.objects.order_by("code").first()
    changed = "演练（修订后标题）"
    requirement_revise(requirement=requirement, effective_from=NIGHT, changes={"title": changed},
                       actor=make_user("cat-admin", Role.SYSTEM_ADMIN), reason="测试：缓存失效", today=NIGHT)
    key = selectors.catalog_key()
    after, later = selectors.night_catalog(key, NIGHT)
    assert after == selectors.specs_in_force(NIGHT) and later == selectors.catalog_dates(NIGHT)
    assert _title(after, requirement.code) == changed != _title(before, requirement.code)


def test_the_cache_is_bounded(catalog):
    key = selectors.catalog_key()
    for days in range(3 * selectors._NIGHT_CATALOG_SIZE):
        selectors.night_catalog(key, NIGHT + timedelta(days=days))
    assert len(selectors._NIGHT_CATALOG) == selectors._NIGHT_CATALOG_SIZE


def test_a_wording_correction_in_place_moves_the_catalog_key(catalog):
    """load_policies corrects titles, topics and citations in place (no new version): the titles
    and sources stored in overdue rows and summaries must not be carried over under the old key."""
    from apps.policies.models import Citation, Document, RequirementVersion

    keys = [selectors.catalog_key()]
    version = RequirementVersion.objects.order_by("id").first()
    version.title = "演练（措辞更正）"
    version.save(update_fields=["title"])
    keys.append(selectors.catalog_key())
    topic = "meeting" if version.requirement.topic != "meeting" else "drill"
    Requirement.objects.filter(pk=version.requirement_id).update(topic=topic)
    keys.append(selectors.catalog_key())
    Citation.objects.filter(pk=Citation.objects.order_by("id").first().pk).update(quote="更正后的原文")
    keys.append(selectors.catalog_key())
    Document.objects.filter(pk=Document.objects.order_by("id").first().pk).update(short_name="更正简称")
    keys.append(selectors.catalog_key())
    assert len(set(keys)) == len(keys)
    assert selectors.catalog_key() == keys[-1]  # stable while nothing changes
