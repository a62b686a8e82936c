"""§7.1.3.2 (issue #20 item 13): a paper is assembled only from a bank that holds the minimum for its part —
1,200 theory items, 60 practical — with each knowledge point holding its weighted share; the refusal names
each shortfall and writes nothing."""

import pytest
from django.core.exceptions import ValidationError

from skillcert.core.models import AuditEntry
from skillcert.itembank.selectors import current_blueprint
from skillcert.papers import bankcheck, plans, services
from skillcert.papers.models import Paper

from .conftest import fill_bank, make_paper_world

pytestmark = pytest.mark.django_db


def plan_for(pw, session):
    return plans.default_plan(current_blueprint(pw.bank), plans.part_for_session(session.kind)) | {"seed": 1}


def test_a_bank_below_the_minimum_is_refused_naming_each_shortfall(bank_minimum):
    pw = make_paper_world(theory=400, practical=18)
    for session, total in ((pw.session, "理论知识试题现有400题，§7.1.3.2要求不少于1200题，缺800题"),
                           (pw.practical, "实际操作试题现有18题，§7.1.3.2要求不少于60题，缺42题")):
        with pytest.raises(ValidationError) as exc:
            services.paper_assemble(actor=pw.manager, session_id=session.pk, bank_id=pw.bank.pk,
                                    plan=plan_for(pw, session))
        messages = exc.value.message_dict["bank"]
        assert "不能组卷" in messages[0] and total in messages[1]
        assert any(m.startswith("知识点 ") and "按权重" in m for m in messages[2:]), messages
    assert not Paper.objects.exists()
    assert not AuditEntry.objects.filter(action="papers.paper.assembled").exists()


def test_a_bank_at_the_minimum_assembles(bank_minimum):
    pw = make_paper_world(theory=400, practical=18)
    fill_bank(pw.bank, pw.writer, 800, 42, seed=6)
    assert bankcheck.shortfalls(pw.bank, "theory") == []
    paper = services.paper_assemble(actor=pw.manager, session_id=pw.session.pk, bank_id=pw.bank.pk,
                                    plan=plan_for(pw, pw.session))
    assert paper.forms.exists()
