"""Announcements (§6.1.2) inside the filed scope and region (§6.8.1 b, c), with an audited lifecycle."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from skillcert.accounts import services as accounts_services
from skillcert.accounts.enums import Role
from skillcert.catalog.models import Level
from skillcert.core.errors import IllegalTransition
from skillcert.core.models import AuditEntry
from skillcert.registration.enums import AnnouncementStatus as S
from skillcert.registration.services import Offer, announcement_create, announcement_transition
from tests.factories import VenueFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def scoped(world):
    """The body has filed: all trades at 中级 and 高级, and 碳排放核查员 only at 技师."""
    occ = world.occupation
    lv = {n: Level.objects.get(number=n) for n in (4, 3, 2, 1)}
    verifier = occ.trades.get(name="碳排放核查员")
    accounts_services.filed_scope_set(actor=world.platform_admin, organisation_id=world.body.pk, rows=[
        (occ, None, lv[4]), (occ, None, lv[3]), (occ, verifier, lv[2])])
    world.venue.region_code = "370211"
    world.venue.save()
    world.lv, world.verifier = lv, verifier
    world.officer = user_with_role(Role.EXAM_AFFAIRS, world.body)
    return world


def create(w, offers, venues=None, **kw):
    now = timezone.now()
    args = dict(actor=w.officer, body=w.body, title="2026年第四季度碳排放管理员职业技能等级认定公告",
                eligibility="见附件", assessment_method="理论知识考试（机考）+ 实际操作考核",
                registration_opens=now, registration_closes=now + dt.timedelta(days=20), offers=offers,
                venues=[w.venue] if venues is None else venues)
    return announcement_create(**(args | kw))


def test_offers_inside_the_filed_scope_are_accepted(scoped):
    w = scoped
    monitor = w.occupation.trades.get(name="碳排放监测员")
    ann = create(w, [Offer(w.occupation, monitor, w.lv[4], 60000), Offer(w.occupation, w.verifier, w.lv[2], 120000)])
    assert ann.status == S.DRAFT
    assert sorted(ann.offers.values_list("fee_fen", flat=True)) == [60000, 120000]
    assert AuditEntry.objects.filter(action="registration.announcement.created", org_id=w.body.pk).exists()


def test_an_offer_outside_the_filed_scope_is_refused_with_its_row_named(scoped):
    w = scoped
    trader = w.occupation.trades.get(name="碳排放交易员")
    with pytest.raises(ValidationError) as exc:
        create(w, [Offer(w.occupation, trader, w.lv[4], 60000), Offer(w.occupation, trader, w.lv[2], 1)])
    assert exc.value.message_dict["offers"] == [
        "第2行（碳排放管理员 / 碳排放交易员 / 技师（二级））超出本机构的备案范围，不能在公告中提供（§6.8.1 b）。"]
    assert not w.body.announcements.exists()


def test_a_venue_in_another_province_is_refused(scoped):
    w = scoped
    far = VenueFactory(parent=w.body, name="济南以外考点", region_code="410100")
    with pytest.raises(ValidationError) as exc:
        create(w, [Offer(w.occupation, None, w.lv[4], 60000)], venues=[w.venue, far])
    assert "不能跨区域认定" in exc.value.message_dict["venues"][0]


def test_another_bodys_venue_is_refused(scoped):
    with pytest.raises(ValidationError, match="不是本机构的考点"):
        create(scoped, [Offer(scoped.occupation, None, scoped.lv[4], 1)], venues=[scoped.other_venue])


def test_only_the_bodys_exam_affairs_or_admin_may_write(scoped):
    w = scoped
    w.officer = user_with_role(Role.EXAM_AFFAIRS, w.other_body)
    with pytest.raises(PermissionDenied):
        create(w, [Offer(w.occupation, None, w.lv[4], 1)])


def test_lifecycle_moves_are_audited_and_illegal_ones_refused(scoped):
    w = scoped
    ann = create(w, [Offer(w.occupation, None, w.lv[3], 80000)])
    with pytest.raises(IllegalTransition, match="不能从“草稿”变更为“已归档”"):
        announcement_transition(actor=w.officer, announcement_id=ann.pk, target=S.ARCHIVED)
    for target in (S.PUBLISHED, S.CLOSED, S.ARCHIVED):
        ann = announcement_transition(actor=w.officer, announcement_id=ann.pk, target=target)
        assert ann.status == target
    assert ann.published_at is not None
    with pytest.raises(IllegalTransition):
        announcement_transition(actor=w.officer, announcement_id=ann.pk, target=S.PUBLISHED)
    actions = list(AuditEntry.objects.filter(target_type="registration.announcement").order_by("seq")
                   .values_list("action", flat=True))
    assert actions == ["registration.announcement.created", "registration.announcement.published",
                       "registration.announcement.closed", "registration.announcement.archived"]


def test_publishing_rechecks_a_scope_that_shrank(scoped):
    w = scoped
    ann = create(w, [Offer(w.occupation, None, w.lv[3], 80000)])
    accounts_services.filed_scope_set(actor=w.platform_admin, organisation_id=w.body.pk,
                                      rows=[(w.occupation, None, w.lv[4])])
    with pytest.raises(ValidationError, match="超出本机构的备案范围"):
        announcement_transition(actor=w.officer, announcement_id=ann.pk, target=S.PUBLISHED)
    ann.refresh_from_db()
    assert ann.status == S.DRAFT
