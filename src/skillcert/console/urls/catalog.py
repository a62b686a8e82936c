"""The occupation catalogue and pass rules (§5, §6.5.1)."""

from django.urls import path

from ..views import catalog as views

urlpatterns = [
    path("catalog/", views.catalog_list, name="catalog_list"),
    path("catalog/new/", views.occupation_edit, name="occupation_create"),
    path("catalog/pass-rules/<int:level_pk>/", views.pass_rule_edit, name="pass_rule_edit"),
    path("catalog/<int:pk>/", views.occupation_edit, name="occupation_edit"),
    path("catalog/<int:occupation_pk>/trades/new/", views.trade_edit, name="trade_create"),
    path("catalog/<int:occupation_pk>/trades/<int:pk>/", views.trade_edit, name="trade_edit"),
]
