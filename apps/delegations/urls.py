from django.urls import path

from apps.delegations import views

app_name = "delegations"
urlpatterns = [
    path("sims/", views.dashboard, name="dashboard"),
    path("sims/from-scenario/", views.create_from_scenario, name="from_scenario"),
    path("sims/<int:simulation_id>/", views.simulation_detail, name="simulation"),
    path("sims/<int:simulation_id>/settings/", views.simulation_settings, name="settings"),
    path(
        "sims/<int:simulation_id>/join-instructions/",
        views.join_instructions,
        name="join_instructions",
    ),
    path(
        "sims/<int:simulation_id>/committees/new/", views.committee_create, name="committee_create"
    ),
    path(
        "sims/<int:simulation_id>/committees/<int:committee_id>/",
        views.committee_detail,
        name="committee",
    ),
    path(
        "sims/<int:simulation_id>/committees/<int:committee_id>/edit/",
        views.committee_update,
        name="committee_update",
    ),
    path(
        "sims/<int:simulation_id>/committees/<int:committee_id>/delete/",
        views.committee_delete,
        name="committee_delete",
    ),
    path(
        "sims/<int:simulation_id>/committees/<int:committee_id>/delegations/new/",
        views.delegation_create,
        name="delegation_create",
    ),
    path(
        "sims/<int:simulation_id>/delegations/<int:delegation_id>/",
        views.delegation_detail,
        name="delegation",
    ),
    path(
        "sims/<int:simulation_id>/delegations/<int:delegation_id>/brief/", views.brief, name="brief"
    ),
    path(
        "sims/<int:simulation_id>/delegations/<int:delegation_id>/delete/",
        views.delegation_delete,
        name="delegation_delete",
    ),
    path("sims/<int:simulation_id>/seat/", views.seat_take, name="seat_take"),
    path(
        "sims/<int:simulation_id>/members/<int:membership_id>/seat/",
        views.seat_assign,
        name="seat_assign",
    ),
    path(
        "sims/<int:simulation_id>/members/<int:membership_id>/role/",
        views.member_role,
        name="member_role",
    ),
]
