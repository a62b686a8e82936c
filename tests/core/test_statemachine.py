import pytest

from skillcert.core.errors import IllegalTransition
from skillcert.core.statemachine import allowed_targets, require_transition

TRANSITIONS = {"draft": {"published"}, "published": {"closed"}, "closed": {"archived"}}


def test_listed_move_is_allowed():
    require_transition(TRANSITIONS, "draft", "published")
    assert allowed_targets(TRANSITIONS, "published") == {"closed"}


def test_unlisted_move_is_refused_with_a_readable_message():
    with pytest.raises(IllegalTransition, match="不能从“已归档”变更为“草稿”"):
        require_transition(TRANSITIONS, "archived", "draft", labels={"archived": "已归档", "draft": "草稿"})
