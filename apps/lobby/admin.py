from django.contrib import admin

from apps.lobby.models import Announcement, LobbyMessage


@admin.register(LobbyMessage)
class LobbyMessageAdmin(admin.ModelAdmin[LobbyMessage]):
    list_display = ("simulation", "seq", "kind", "author", "created_at")
    list_filter = ("kind",)
    list_select_related = ("simulation", "author")
    search_fields = ("body",)


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin[Announcement]):
    list_display = ("simulation", "due_at", "message", "cancelled")
    list_select_related = ("simulation",)
