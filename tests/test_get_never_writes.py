"""A GET never writes (issue #21 item 1; HTTP's safe methods, RFC 9110 §9.2.1).

Every URL of the site — the permission matrix's table (tests/test_permission_matrix.py), which fails when a URL
has no row — is fetched with GET by the principals the matrix lets in and by one it keeps out, with the matrix's
users and objects. No INSERT, UPDATE or DELETE may run, except the writes listed below, each with its reason.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.test_permission_matrix import ANON, MATRIX, OTHER_BODY_ADMIN, build_matrix_world

# Walks every URL; CI runs it in the SQLite stage only (issue #21 item 9).
pytestmark = pytest.mark.matrix

_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)

# Written by any request, by design: the session (messages, the login flow's pending state, the language).
ANY_URL = {"django_session": "the session store: flash messages and the login flow live there"}

# Audit of a read: §10.5 / §10.9 require that opening confidential content (items, sealed papers, private files of
# candidates) leaves a trace of who read what. The audit entry is the read's record, not a change of any state.
AUDIT = {"core_auditentry", "core_auditchainhead"}
READS_AUDITED = {
    "console:item_detail": "§10.5: opening an item's content is audited (itembank.services.item_content)",
    "console:item_edit": "§10.5: the edit form shows the content, audited as a read",
    "console:item_preview": "§10.5: the preview opens up to 100 items' content, one audit entry",
    "console:item_compare": "§10.5: two versions' content opened side by side, audited",
    "console:item_print": "§10.5 打印登记: a print of an item is audited",
    "console:item_attachment": "§10.5: an item's figure is its content, audited",
    "console:paper_print": "§10.5: opening a sealed paper's document to print it is audited",
    "console:export_download": "§10.5: an approved export's download is registered (its count and an audit entry)",
    # Personal data and scores handed out (§6.7.3, §8.2.4, §10.9): who took a copy of what is recorded.
    "console:results_summary": "scores of a batch exported (grading): who took them is recorded",
    "console:certificate_pdf": "§8.2.4 证书打印登记: a certificate print is registered",
    "console:certificate_handover_sheet": "the certificates' handover sheet names holders: its download is recorded",
    "console:certificate_roster": "the roster of holders with ID numbers: its download is recorded",
    "portal:certificate_pdf": "the holder's certificate download is recorded (certificates.downloaded)",
    "api:approved_registrations": "§6.7.3: the registrations sent to the supervising platform are recorded",
}

# GETs that write by design, each named with the tables it may touch and why. Anything else found writing fails.
EXCEPTIONS: dict[str, tuple[set[str], str]] = {
    **{name: (AUDIT, why) for name, why in READS_AUDITED.items()},
    "console:export_download": ({*AUDIT, "itembank_exportrequest"}, READS_AUDITED["console:export_download"]),
    # The TOTP enrolment page must show a secret and still know it when the first code is posted; the secret is
    # kept as the user's own unconfirmed device (replaced at each visit, never a confirmed one). It changes nothing
    # the user already had: a confirmed device is never replaced (accounts.authentication.totp_begin_enrolment).
    "accounts:security_totp": ({"accounts_totpdevice"}, "the enrolment page's secret, kept until confirmed"),
    "accounts:login_enrol": ({"accounts_totpdevice"}, "the enrolment page's secret, kept until confirmed"),
}
# Exceptions this test world does not trigger (their write depends on a state the world lacks): the export in the
# world is still pending, the login's enrolment step needs a half-logged-in user (tests/accounts walk it). Every
# other exception must be seen writing. (The exam day's pages write nothing either, even with the clock's
# consequences due: tests/delivery/test_reads_write_nothing.py.)
NOT_TRIGGERED_HERE = {"console:export_download", "accounts:login_enrol"}


def written_tables(queries) -> set[str]:
    """The tables an INSERT, UPDATE or DELETE touched among the captured queries."""
    return {m.group(1) for q in queries if (m := _WRITE.match(q["sql"]))}


def _let_in(expected: dict[str, int]) -> list[str]:
    """Up to three principals the matrix lets reach the page (a 2xx, a redirect inside a flow, or a 4xx after the
    gate: 400/404/405/409 where the matrix says so for everyone allowed)."""
    refused = (401, 403)
    inside = [p for p, status in expected.items() if status not in refused and not (p == ANON and status == 302)]
    ordered = sorted(inside, key=lambda p: (expected[p] != 200, p == OTHER_BODY_ADMIN, p == ANON))
    return ordered[:3]


def _kept_out(expected: dict[str, int]) -> list[str]:
    """One principal the matrix refuses (403, or 404 out of scope) and the anonymous visitor when sent to log in."""
    refused = [p for p, status in expected.items() if p != ANON and status in (401, 403)]
    scoped_out = [p for p, status in expected.items() if p == OTHER_BODY_ADMIN and status == 404]
    anonymous = [ANON] if expected[ANON] in (302, 401) else []
    return (scoped_out or refused)[:1] + anonymous


def test_written_tables_sees_every_kind_of_write():
    """The detector itself: an insert, an update and a delete are each found; a read is not."""
    queries = [{"sql": 'INSERT INTO "a_t" ("x") VALUES (1)'}, {"sql": 'UPDATE "b_t" SET "x" = 1'},
               {"sql": 'DELETE FROM "c_t" WHERE 1'}, {"sql": 'SELECT "d_t"."x" FROM "d_t"'}]
    assert written_tables(queries) == {"a_t", "b_t", "c_t"}


def test_every_exception_names_a_url_that_exists():
    assert set(EXCEPTIONS) <= set(MATRIX)


@pytest.mark.django_db
def test_no_get_writes_anything(client, world):
    objects, principals = build_matrix_world(world)
    failures, used = [], set()
    for name, (kwargs_for, expected) in sorted(MATRIX.items()):
        url = reverse(name, kwargs=kwargs_for(objects))
        allowed_tables, _why = EXCEPTIONS.get(name, (set(), ""))
        for principal in dict.fromkeys(_let_in(expected) + _kept_out(expected)):
            client.logout()
            user = principals[principal]
            if user is not None:
                client.force_login(user)
            with CaptureQueriesContext(connection) as ctx:
                status = client.get(url).status_code
            wrote = written_tables(ctx.captured_queries) - set(ANY_URL)
            let_in = principal in _let_in(expected)
            unexpected = wrote - allowed_tables if let_in else wrote
            if unexpected:
                failures.append(f"GET {name} as {principal} ({status}) wrote {sorted(unexpected)}")
            elif wrote:
                used.add(name)
    assert not failures, "\n".join(failures)
    assert set(EXCEPTIONS) - used == NOT_TRIGGERED_HERE, "an exception no GET needs any more: remove it"
