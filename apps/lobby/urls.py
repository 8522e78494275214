from django.urls import path

from apps.lobby import views

app_name = "lobby"
urlpatterns = [
    path("sims/<int:simulation_id>/lobby/post/", views.post_message, name="post"),
    path("sims/<int:simulation_id>/lobby/announce/", views.schedule_announcement, name="announce"),
]
