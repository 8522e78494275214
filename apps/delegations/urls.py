from django.urls import path

from apps.delegations import views

app_name = "delegations"
urlpatterns = [
    path("sims/", views.dashboard, name="dashboard"),
    path("sims/<int:simulation_id>/", views.simulation_detail, name="simulation"),
    path(
        "sims/<int:simulation_id>/join-instructions/",
        views.join_instructions,
        name="join_instructions",
    ),
]
