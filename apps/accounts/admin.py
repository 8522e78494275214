from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from apps.accounts.models import User


@admin.register(User)
class PlenaryUserAdmin(UserAdmin[User]):
    list_display = ("username", "display_name", "email", "is_instructor", "is_staff")
    list_filter = ("is_instructor", "is_staff", "is_superuser")
    search_fields = ("username", "display_name", "email")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Plenary", {"fields": ("display_name", "is_instructor")}),
    )
