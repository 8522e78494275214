from django.urls import path

from apps.caucus import views

app_name = "caucus"
urlpatterns = [
    path("committees/<int:committee_id>/caucus/", views.room, name="room"),
    path("committees/<int:committee_id>/caucus/panel/", views.panel, name="panel"),
    path("committees/<int:committee_id>/caucus/open/", views.open_channel, name="open"),
    path("committees/<int:committee_id>/caucus/mute/", views.mute, name="mute"),
    path("channels/<int:channel_id>/post/", views.post, name="post"),
    path("channels/<int:channel_id>/invite/", views.invite, name="invite"),
    path("channels/<int:channel_id>/remove/", views.remove, name="remove"),
]
