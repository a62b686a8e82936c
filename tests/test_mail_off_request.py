"""E-mail goes out from Celery tasks only, never from the request (issue #21 item 7).

Every call that talks to the mail server (``send_mail``, ``EmailMessage(...).send()`` and the like) sits in one of
the functions of SENDERS, and each of those is called by a task module (``tasks.py``) and by nothing else in
src/skillcert: a request queues the task after its commit (``transaction.on_commit``) and never waits for SMTP.
With no broker the task runs inline after the commit; a mail server that is down is logged, never raised.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "skillcert"
MAIL_CALLS = {"send_mail", "send_mass_mail", "mail_admins", "mail_managers", "EmailMessage", "EmailMultiAlternatives"}
SENDERS = {("core/notify.py", "mail_notifications"), ("accounts/authentication.py", "password_reset_send")}


def mail_calls(source: str) -> list[tuple[str, int]]:
    """(enclosing top-level function, line) of every call to a mail sender in ``source``."""
    found = []
    for top in ast.parse(source).body:
        for node in ast.walk(top):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
                if name in MAIL_CALLS:
                    found.append((getattr(top, "name", "<module>"), node.lineno))
    return found


def test_mail_is_sent_only_by_the_functions_the_tasks_run():
    outside = [f"{rel}:{line} in {func}" for path in sorted(SRC.rglob("*.py"))
               for rel in [str(path.relative_to(SRC))]
               for func, line in mail_calls(path.read_text("utf-8")) if (rel, func) not in SENDERS]
    assert outside == []


def test_the_senders_are_called_from_tasks_only():
    for _module, func in SENDERS:
        callers = sorted(str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
                         if func in p.read_text("utf-8") and (str(p.relative_to(SRC)), func) not in SENDERS)
        assert callers and all(c.endswith("tasks.py") for c in callers), (func, callers)


def test_the_check_finds_a_planted_mail_call():
    planted = "from django.core.mail import send_mail\n\ndef results_publish():\n    send_mail('s', 'b', None, ['a'])\n"
    assert mail_calls(planted) == [("results_publish", 4)]
