"""Occupation catalogue (§4.2, 表1): loaded by migration, editable by the platform admin without code."""

import pytest
from django.urls import reverse

from skillcert.accounts.enums import Role
from skillcert.catalog.models import Level, Occupation
from skillcert.catalog.selectors import trade_label
from skillcert.core.models import AuditEntry
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def test_table_1_is_loaded_for_the_carbon_emission_manager():
    occ = Occupation.objects.get(code="4-09-07-04")
    assert occ.name == "碳排放管理员"
    assert [t.name for t in occ.trades.order_by("sort_order")] == [
        "碳排放监测员", "碳排放核算员", "碳排放核查员", "碳排放交易员", "碳排放咨询员"]
    assert [(lv.name, lv.grade_name) for lv in occ.levels.order_by("-number")] == [
        ("中级工", "四级"), ("高级工", "三级"), ("技师", "二级"), ("高级技师", "一级")]


def test_five_national_levels_with_both_names():
    assert list(Level.objects.order_by("number").values_list("number", "name", "grade_name")) == [
        (1, "高级技师", "一级"), (2, "技师", "二级"), (3, "高级工", "三级"),
        (4, "中级工", "四级"), (5, "初级工", "五级")]
    assert Level.objects.get(number=2).requires_comprehensive_review
    assert not Level.objects.get(number=3).requires_comprehensive_review


def test_trade_label_prints_a_dash_when_there_is_no_trade():
    assert trade_label(None) == "——"  # §8.2.2.2


def test_platform_admin_adds_an_occupation_without_code(client, world):
    client.force_login(world.platform_admin)
    levels = Level.objects.filter(number__in=[5, 4, 3])
    response = client.post(reverse("console:occupation_create"), {
        "code": "4-04-05-05", "name": "人工智能训练师", "name_en": "AI trainer", "description": "",
        "levels": [lv.pk for lv in levels], "is_active": "on"})
    assert response.status_code == 302
    occ = Occupation.objects.get(code="4-04-05-05")
    assert set(occ.levels.values_list("number", flat=True)) == {5, 4, 3}
    client.post(reverse("console:trade_create", args=[occ.pk]), {"name": "数据标注员", "sort_order": 1,
                                                                  "is_active": "on"})
    assert list(occ.trades.values_list("name", flat=True)) == ["数据标注员"]
    assert AuditEntry.objects.filter(action__in=["catalog.occupation.created", "catalog.trade.created"]).count() == 2


def test_bad_occupation_code_is_refused_with_a_field_error(client, world):
    client.force_login(world.platform_admin)
    response = client.post(reverse("console:occupation_create"), {
        "code": "40905", "name": "错误编码", "levels": [Level.objects.get(number=4).pk]})
    assert response.status_code == 200
    assert "4-09-07-04" in response.content.decode()
    assert not Occupation.objects.filter(name="错误编码").exists()


def test_only_the_platform_admin_edits_the_catalogue(client, world):
    client.force_login(user_with_role(Role.BODY_ADMIN, world.body))
    occ = Occupation.objects.get(code="4-09-07-04")
    response = client.post(reverse("console:occupation_edit", args=[occ.pk]), {"code": occ.code, "name": "改名"})
    assert response.status_code == 403
    occ.refresh_from_db()
    assert occ.name == "碳排放管理员"


def test_occupation_update_records_old_and_new(client, world):
    from skillcert.catalog import services

    occ = Occupation.objects.get(code="4-09-07-04")
    services.occupation_save(actor=world.platform_admin, occupation_id=occ.pk, levels=list(occ.levels.all()),
                             name_en="Carbon emission administrator")
    entry = AuditEntry.objects.get(action="catalog.occupation.updated")
    assert entry.data["changes"] == {"name_en": {"old": "Carbon emission manager",
                                                 "new": "Carbon emission administrator"}}
