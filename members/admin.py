from django.contrib import admin

from members.models import Affiliation, Authority, Organisation


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ("name", "ags", "kind", "kreis", "regierungsbezirk", "population")
    list_filter = ("kind", "regierungsbezirk")
    search_fields = ("name", "ags")
    list_select_related = ("kreis", "regierungsbezirk")
    readonly_fields = (
        "ags",
        "name",
        "kind",
        "kreis",
        "regierungsbezirk",
        "population",
        "latitude",
        "longitude",
    )

    # The register is official reference data: it is loaded, never typed in.
    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AffiliationInline(admin.TabularInline):
    model = Affiliation
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("authority", "created_at")
    search_fields = ("authority__name", "authority__ags")
    autocomplete_fields = ("authority",)
    list_select_related = ("authority",)
    inlines = (AffiliationInline,)


@admin.register(Affiliation)
class AffiliationAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "role", "office", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "user__full_name", "organisation__authority__name")
    autocomplete_fields = ("user", "organisation")
    list_select_related = ("user", "organisation__authority")
