from django.urls import path

from apps.proceedings import views, views_rules

app_name = "proceedings"
urlpatterns = [
    path(
        "sims/<int:simulation_id>/committees/<int:committee_id>/sessions/new/",
        views.session_create,
        name="session_create",
    ),
    path(
        "sims/<int:simulation_id>/committees/<int:committee_id>/rules/",
        views_rules.committee_rules,
        name="rules",
    ),
    path("sessions/<int:session_id>/", views.session_page, name="session"),
    path("sessions/<int:session_id>/projector/", views.projector, name="projector"),
    path("sessions/<int:session_id>/act/<slug:action>/", views.session_action, name="act"),
]
