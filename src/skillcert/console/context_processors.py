"""The layout's context: the development banner, the body's name and the console navigation. It lives in the
console face because the navigation asks every domain app above accounts (delivery, grading, certificates) who may
see what; accounts, the second layer, may not import them (issue #21 item 4)."""

from django.conf import settings

from skillcert.accounts import rules
from skillcert.accounts.selectors import site_body
from skillcert.certificates import rules as certificate_rules
from skillcert.delivery import rules as delivery_rules
from skillcert.grading import rules as grading_rules
from skillcert.itembank import rules as itembank_rules
from skillcert.papers import rules as papers_rules
from skillcert.registration import rules as registration_rules
from skillcert.scheduling import rules as scheduling_rules


def site(request):
    """What every layout needs: the development banner, the body's name, the navigation."""
    user = getattr(request, "user", None)
    return {
        "DEBUG_BANNER": not settings.PRODUCTION,
        "site_body": site_body(),
        "nav": {
            "administer": rules.can_administer(user),
            "audit": rules.can_view_audit(user),
            "duties": rules.can_view_duties(user),
            "catalog": rules.can_view_catalog(user),
            "staff": rules.is_staff_member(user),
            "registration": registration_rules.can_register(user),
            "scheduling": scheduling_rules.can_read_schedules(user),
            "sittings": scheduling_rules.leads_sittings(user),
            "candidate": rules.is_candidate(user),
            "bank": itembank_rules.uses_banks(user),
            "delivery": rules.is_staff_member(user) and delivery_rules.uses_delivery(user),
            "grading": rules.is_staff_member(user) and grading_rules.uses_grading(user),
            "marking": grading_rules.marks_any(user),
            "practical_record": grading_rules.staffs_practical(user),
            "certificates": rules.is_staff_member(user) and certificate_rules.uses_certificates(user),
            "certificate_office": rules.is_staff_member(user) and certificate_rules.uses_ledger(user),
            "results": rules.is_staff_member(user) and grading_rules.uses_results(user),
            "papers": papers_rules.uses_papers(user),
        } if user is not None and user.is_authenticated else {},
    }
