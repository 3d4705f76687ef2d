"""Empty states that say what to do, pagination on long lists, the progress indicator."""

from django.urls import reverse

from apps.accounts.models import Role
from apps.jurisdictions.models import Unit
from apps.portal.services import supervision_create
from tests.factories import make_user
from tests.portal.conftest import AS_OF

QINGXU, QINGYUAN = "140121000000", "140121100000"
Q = f"?as_of={AS_OF.isoformat()}"


def add_villages(township: Unit, count: int) -> list[Unit]:
    villages = []
    for i in range(count):
        u = Unit(code=f"{township.code[:9]}{300 + i:03d}", name=f"新建{i:02d}村", level="village", parent=township)
        u.fill_ancestor_codes()
        villages.append(u)
    Unit.objects.bulk_create(villages)
    return list(Unit.objects.filter(code__in=[v.code for v in villages]).order_by("code"))


def test_it_tells_an_empty_county_what_is_missing(people, client_for):
    html = client_for(people["county"]).get(reverse("portal:dashboard", args=[QINGXU]) + Q).content.decode()
    assert "截至该日没有逾期或未达标事项" in html
    html = client_for(people["county"]).get(reverse("portal:overdue", args=[QINGXU]) + Q).content.decode()
    assert "没有符合条件的逾期或即将到期任务" in html


def test_it_tells_a_township_with_no_requirements_that_nothing_is_due(people, client_for):
    html = client_for(people["township"]).get(reverse("portal:workspace", args=[QINGYUAN]) + Q).content.decode()
    assert "本镇目前没有适用的要求" in html and "所有要求均已达标" not in html
    assert "未来 90 天没有到期事项" in html and "暂无督办" in html and "没有被退回的记录" in html


def test_it_tells_a_user_without_jurisdiction_whom_to_ask(units, client_for):
    user = make_user("nobody", Role.COUNTY_OFFICIAL)
    html = client_for(user).get("/").content.decode()
    assert "请联系系统管理员" in html


def test_it_tells_the_searcher_what_to_try_when_nothing_matches(people, client_for):
    html = client_for(people["auditor"]).get(reverse("portal:search") + "?q=不存在的镇").content.decode()
    assert "没有找到“不存在的镇”" in html and "区划代码的前几位" in html


def test_it_paginates_the_search_and_the_supervision_list(people, units, client_for):
    villages = add_villages(units[QINGYUAN], 60)
    for v in villages[:55]:
        supervision_create(actor=people["county"], unit=v, text=f"请补齐{v.name}的记录")
    client = client_for(people["county"])
    html = client.get(reverse("portal:search") + "?q=新建").content.decode()
    assert "第 1 页 / 共 3 页（60 条）" in html and 'rel="next"' in html and "新建00村" in html
    html = client.get(reverse("portal:search") + "?q=新建&page=3").content.decode()
    assert "新建59村" in html and "新建00村" not in html and 'rel="prev"' in html and "q=%E6%96%B0%E5%BB%BA" in html
    html = client.get(reverse("portal:supervisions", args=[QINGYUAN])).content.decode()
    assert "第 1 页 / 共 2 页（55 条）" in html


def test_it_paginates_the_workspace_list(people, catalog, units, client_for):
    add_villages(units[QINGYUAN], 30)  # 2 requirements x 33 units: more than one page
    html = client_for(people["township"]).get(reverse("portal:workspace", args=[QINGYUAN]) + Q).content.decode()
    assert "第 1 页 / 共 2 页" in html


def test_every_page_has_the_progress_indicator_for_long_submissions(people, client_for):
    html = client_for(people["township"]).get(reverse("portal:workspace", args=[QINGYUAN]) + Q).content.decode()
    assert 'id="global-progress"' in html and 'role="progressbar"' in html and "js/portal.js" in html
