from django.contrib import admin

from apps.delegations.models import Membership, Simulation


class MembershipInline(admin.TabularInline[Membership, Simulation]):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Simulation)
class SimulationAdmin(admin.ModelAdmin[Simulation]):
    list_display = ("title", "owner", "join_code", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("title", "join_code")
    list_select_related = ("owner",)
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ("user", "simulation", "role", "joined_at")
    list_filter = ("role",)
    list_select_related = ("user", "simulation")
    raw_id_fields = ("user", "simulation")
