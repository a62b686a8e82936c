"""Who may write the integrity record (诚信档案, §6.8, §8.4; §10.9 按照权限控制). Default deny."""

from __future__ import annotations

from skillcert.accounts import rules


def records_bars(user, body) -> bool:
    """Records a bar on a candidate for ``body``: its office (accounts.rules.is_office)."""
    return rules.is_office(user, body)
