from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from skillcert.accounts.selectors import site_body
from skillcert.catalog.selectors import occupation_list


def home(request: HttpRequest) -> HttpResponse:
    """Candidate portal entry: how certification works here, step by step (§5 图1, §6.1.3)."""
    return render(request, "portal/home.html", {
        "body": site_body(), "occupations": occupation_list(active_only=True),
    })
