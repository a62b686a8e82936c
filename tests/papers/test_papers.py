"""Papers in the database (§6.3.2.1, §7.2.2.6, §10.2): assembly from the bank's active items, review
with constraint-keeping swaps, locking (snapshot + hash), sealing, release at the start signal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from skillcert.core.models import AuditEntry
from skillcert.itembank import services as bank_services
from skillcert.itembank.enums import ItemStatus
from skillcert.itembank.meta import META_FIELDS
from skillcert.itembank.models import Item, ItemUsage
from skillcert.papers import plans, services
from skillcert.papers.enums import DocKind, PaperStatus
from skillcert.papers.models import Paper, PaperItem, SealedDocument
from tests.factories import paper_reviewer


def small_plan(**over) -> dict:
    plan = {"forms": 3, "length": 20, "types": {"single": 12, "multiple": 4, "judge": 4},
            "points": {"single": "5", "multiple": "5", "judge": "5"},
            "elements": [{"prefix": "A", "min": 2, "max": 6}, {"prefix": "B", "min": 14, "max": 18}],
            "difficulty_bands": [{"low": 0, "high": 0.5, "min": 0, "max": 8}, {"low": 0.5, "high": 1.01, "min": 8,
                                                                               "max": 20}],
            "mean_difficulty": {"min": 0.5, "max": 0.8}, "exclude_recent": 0, "time_limit": 10, "seed": 3}
    plan.update(over)
    return plan


def assembled(pw, **over) -> Paper:
    return services.paper_assemble(actor=pw.manager, session_id=pw.session.pk, bank_id=pw.bank.pk,
                                   plan=small_plan(**over))


@pytest.mark.django_db
def test_assembly_writes_disjoint_forms_that_meet_the_plan(pw):
    """§6.3.2.1 / 附录B: a main paper and backups that share no item, each meeting every plan row."""
    paper = assembled(pw)
    assert paper.status == PaperStatus.ASSEMBLED and paper.solver_status in ("optimal", "feasible")
    forms = list(paper.forms.all())
    assert [f.number for f in forms] == [1, 2, 3]
    ids = [pi.item_id for f in forms for pi in f.items.all()]
    assert len(ids) == 60 and len(set(ids)) == 60
    assert services.paper_problems(paper) == []
    for pi in PaperItem.objects.filter(form__paper=paper).select_related("item"):
        assert pi.item.status == ItemStatus.ACTIVE and pi.version_id == pi.item.current_version_id
    assert str(forms[0].label).startswith("A卷") and "备用" in str(forms[1].label)
    assert AuditEntry.objects.filter(action="papers.paper.assembled").exists()


@pytest.mark.django_db
def test_same_plan_and_seed_give_the_same_paper(pw):
    first = assembled(pw)
    before = [[pi.item_id for pi in f.items.all()] for f in first.forms.all()]
    again = services.paper_assemble(actor=pw.manager, session_id=pw.session.pk, bank_id=pw.bank.pk,
                                    plan=small_plan(), paper_id=first.pk)
    assert [[pi.item_id for pi in f.items.all()] for f in again.forms.all()] == before


@pytest.mark.django_db
def test_infeasible_plan_names_the_row_and_writes_nothing(pw):
    with pytest.raises(ValidationError) as err:
        assembled(pw, elements=[{"prefix": "A.01", "min": 15, "max": 20}])
    messages = " ".join(err.value.message_dict["plan"])
    assert "认定范围 A.01" in messages and "缺" in messages
    assert not Paper.objects.exists()


@pytest.mark.django_db
def test_plan_errors_name_the_field_and_row(pw):
    with pytest.raises(ValidationError) as err:
        assembled(pw, types={"single": 10, "multiple": 4, "judge": 4},
                  elements=[{"prefix": "A", "min": "x", "max": 3}, {"prefix": "B", "min": 9, "max": 2}])
    errors = err.value.message_dict
    assert any("应等于试卷题量 20" in m for m in errors["types"])
    assert any("100 分" in m for m in errors["types"])
    assert any(m.startswith("第 1 行") for m in errors["elements"])
    assert any("第 2 行（B）" in m for m in errors["elements"])
    with pytest.raises(ValidationError) as err:
        assembled(pw, forms=1)
    assert "forms" in err.value.message_dict  # a main paper needs at least one backup (附录B)


@pytest.mark.django_db
def test_only_the_banks_manager_assembles(pw):
    with pytest.raises(PermissionDenied):
        services.paper_assemble(actor=pw.officer, session_id=pw.session.pk, bank_id=pw.bank.pk, plan=small_plan())


@pytest.mark.django_db
def test_swap_offers_only_replacements_that_keep_every_row(pw):
    paper = assembled(pw)
    services.paper_review(actor=paper_reviewer(pw.world.body), paper_id=paper.pk)
    pi = PaperItem.objects.filter(form__paper=paper, form__number=1).select_related("item", "form").first()
    options = services.swap_options(paper, pi)
    assert options, "a 400-item bank has replacements"
    used = set(PaperItem.objects.filter(form__paper=paper).values_list("item_id", flat=True))
    for it in options:
        assert it.type == pi.item.type and it.pk not in used
    services.paper_swap(actor=pw.manager, paper_id=paper.pk, paper_item_id=pi.pk, item_id=options[0].pk)
    paper.refresh_from_db()
    assert paper.status == PaperStatus.ASSEMBLED  # a changed paper is reviewed again
    assert services.paper_problems(paper) == []
    other = PaperItem.objects.filter(form__paper=paper, form__number=2).first()
    with pytest.raises(ValidationError):  # an item of another form is never a replacement
        services.paper_swap(actor=pw.manager, paper_id=paper.pk, paper_item_id=pi.pk, item_id=other.item_id)


@pytest.mark.django_db
def test_locked_paper_is_unchanged_when_its_items_are_edited(pw):
    """The lock snapshots exact item versions and a content hash; a later edit writes a new version."""
    paper = assembled(pw)
    services.paper_review(actor=paper_reviewer(pw.world.body), paper_id=paper.pk)
    paper = services.paper_lock(actor=pw.manager, paper_id=paper.pk)
    digest = paper.content_hash
    assert len(digest) == 64 and ItemUsage.objects.filter(paper_ref=paper.code).count() == 60
    pi = PaperItem.objects.filter(form__paper=paper).select_related("item", "version").first()
    old_version = pi.version_id
    bank_services.item_transition(actor=pw.manager, item_id=pi.item_id, target=ItemStatus.DRAFT)
    item = Item.objects.get(pk=pi.item_id)
    content = bank_services.item_content(actor=pw.writer, item=item)
    bank_services.item_edit(actor=pw.writer, item_id=item.pk, content={**content, "stem": content["stem"] + "（改）"},
                            meta={f: getattr(item, f) for f in META_FIELDS}, note="修改")
    item.refresh_from_db()
    assert item.current_version_id != old_version
    pi.refresh_from_db()
    assert pi.version_id == old_version
    assert services.content_hash(paper) == digest
    with pytest.raises(ValidationError):
        services.paper_assemble(actor=pw.manager, session_id=pw.session.pk, bank_id=pw.bank.pk,
                                plan=small_plan(), paper_id=paper.pk)


@pytest.mark.django_db
def test_recently_used_items_are_left_out(pw):
    paper = assembled(pw)
    services.paper_review(actor=paper_reviewer(pw.world.body), paper_id=paper.pk)
    services.paper_lock(actor=pw.manager, paper_id=paper.pk)
    used = set(PaperItem.objects.filter(form__paper=paper).values_list("item_id", flat=True))
    from skillcert.papers import selectors

    assert selectors.recent_item_ids(pw.bank, 1) == used
    bank_json = plans.engine_bank(pw.bank, plans.clean_plan(small_plan(exposure_limit=1), "theory"),
                                          "theory", recent_item_ids=set())
    excluded = {int(it["id"]) for it in bank_json["items"] if it["exclude"]}
    assert used <= excluded  # exposure limit 1: every item used once is out


@pytest.mark.django_db
def test_seal_encrypts_forms_and_key_and_release_waits_for_the_start(pw):
    paper = assembled(pw)
    services.paper_review(actor=paper_reviewer(pw.world.body), paper_id=paper.pk)
    services.paper_lock(actor=pw.manager, paper_id=paper.pk)
    paper = services.paper_seal(actor=pw.manager, paper_id=paper.pk)
    assert paper.status == PaperStatus.SEALED
    assert SealedDocument.objects.filter(paper=paper, kind=DocKind.PAPER).count() == 3
    assert SealedDocument.objects.filter(paper=paper, kind=DocKind.KEY).count() == 1
    doc = services.open_document(actor=pw.manager, paper=paper, kind=DocKind.PAPER, form_number=1, purpose="test")
    stem = doc["items"][0]["stem"]
    assert stem and "answer" not in doc["items"][0]
    key = services.open_document(actor=pw.manager, paper=paper, kind=DocKind.KEY, form_number=0, purpose="test")
    assert key["forms"][0]["items"][0]["answer"]
    with connection.cursor() as cur:  # the sealed table holds no item text
        cur.execute("SELECT sealed FROM papers_sealeddocument")
        assert all(stem.encode() not in bytes(row[0]) for row in cur.fetchall())
    with pytest.raises(PermissionDenied):
        services.open_document(actor=pw.officer, paper=paper, kind=DocKind.KEY, form_number=0, purpose="peek")
    with pytest.raises(PermissionDenied):
        services.released_content(actor=pw.officer, paper=paper, form_number=1)
    early = pw.session.starts_at - dt.timedelta(minutes=5)
    with pytest.raises(ValidationError):
        services.paper_release(actor=pw.officer, paper_id=paper.pk, now=early)
    services.paper_release(actor=pw.officer, paper_id=paper.pk, now=pw.session.starts_at)
    paper.refresh_from_db()
    assert paper.status == PaperStatus.RELEASED
    assert services.released_content(actor=pw.officer, paper=paper, form_number=2)["form"] == 2


@pytest.mark.django_db
def test_practical_paper_from_the_blueprint_default_plan(pw):
    """A practical session gets practical tasks; the default plan comes from the approved blueprint."""
    from skillcert.itembank.selectors import current_blueprint

    plan = plans.default_plan(current_blueprint(pw.bank), "practical")
    assert plan["types"] == {"practical": 4} and plan["forms"] == 3
    paper = services.paper_assemble(actor=pw.manager, session_id=pw.practical.pk, bank_id=pw.bank.pk, plan=plan)
    types = set(PaperItem.objects.filter(form__paper=paper).values_list("item__type", flat=True))
    assert types == {"practical"}
