"""Review of issue #20 in the browser: the console's 职责分离 page as a body admin, and the certificate list's
reissue/revoke forms (§8.2.4.1, §6.8.2), screenshotted; a checkbox in a stacked form sits beside its words
(it was stretched onto a line of its own, centred above them)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.certificates.conftest import issued_certificates, passed_batch
from tests.e2e.test_itembank_browser import _login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_duties_page_and_the_reissue_form_read_well(live_server, page, artifacts):
    certs, passed = issued_certificates(passed_batch())
    admin = passed[4]
    _login(page, live_server.url, admin)
    page.goto(live_server.url + reverse("console:duties"))
    assert page.locator("h1").inner_text() == "职责分离"
    assert page.locator("table").count() == 3
    page.screenshot(path=str(artifacts / "review-duties.png"), full_page=True)

    page.goto(live_server.url + reverse("console:certificate_list", args=[certs[0].issue_id]))
    page.locator("details summary", has_text="办理").first.click()
    form = page.locator(".reissue-form").first
    label = form.locator("label", has=page.locator("input[name=id_checked]"))
    box, check = label.bounding_box(), form.locator("input[name=id_checked]").bounding_box()
    assert abs(check["x"] - box["x"]) < 6, (check, box)  # at the start of the line, not centred
    assert box["y"] <= check["y"] + check["height"] / 2 <= box["y"] + box["height"]  # on the words' line
    assert box["height"] < 2.5 * check["height"], box  # one line, not checkbox above text
    form.screenshot(path=str(artifacts / "review-reissue-form.png"))
    page.screenshot(path=str(artifacts / "review-cert-list.png"), full_page=True)
