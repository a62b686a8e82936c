"""Papers: assembly, review, printing and custody (§6.3.2, §7.2.2.6, §10, A.2)."""

from django.urls import path

from ..views import papers as views

urlpatterns = [
    path("papers/", views.paper_list, name="paper_list"),
    path("papers/assemble/<int:bank_pk>/", views.paper_assemble, name="paper_assemble"),
    path("papers/<int:pk>/", views.paper_detail, name="paper_detail"),
    path("papers/<int:pk>/do/<str:action>/", views.paper_action, name="paper_action"),
    path("papers/<int:pk>/swap/<int:item_pk>/", views.paper_swap, name="paper_swap"),
    path("papers/<int:pk>/print/<str:doc>/", views.paper_print, name="paper_print"),
    path("papers/<int:pk>/custody/", views.paper_custody, name="paper_custody"),
    path("custody/<int:pk>/handover.pdf", views.custody_handover_pdf, name="custody_handover_pdf"),
    path("custody/mine/", views.my_custody, name="my_custody"),
    path("custody/confirm/<int:pk>/", views.custody_confirm, name="custody_confirm"),
    path("custody/discrepancies/<int:pk>/resolve/", views.discrepancy_resolve, name="discrepancy_resolve"),
]
