import pytest
from django.db.models import Count

from members.models import Authority, AuthorityOutline
from members.reference.data import load_authorities

pytestmark = pytest.mark.django_db


def test_it_loads_every_nrw_authority_from_the_shipped_register():
    counts = dict(Authority.objects.values_list("kind").annotate(n=Count("id")))
    assert counts == {
        "kreisfreie Stadt": 22,
        "Stadt": 250,
        "Gemeinde": 124,
        "Kreis": 31,
        "Regierungsbezirk": 5,
    }
    assert sum(counts[k] for k in ("kreisfreie Stadt", "Stadt", "Gemeinde")) == 396


def test_it_links_towns_to_their_district_and_region():
    aachen = Authority.objects.get(ags="05334002")
    assert aachen.kreis.name == "Städteregion Aachen"
    assert aachen.regierungsbezirk.name == "Köln"
    duesseldorf = Authority.objects.get(ags="05111000")
    assert duesseldorf.kreis is None
    assert duesseldorf.regierungsbezirk.ags == "05100000"
    assert duesseldorf.population == 611258


def test_every_authority_has_an_outline_for_the_map():
    assert AuthorityOutline.objects.count() == 432
    geometry = AuthorityOutline.objects.get(authority__ags="05515000").geometry
    assert geometry["type"] in {"Polygon", "MultiPolygon"}


def test_loading_again_changes_nothing():
    counts = load_authorities(Authority, AuthorityOutline)
    assert counts == {"created": 0, "updated": 0, "linked": 0, "outlines": 0}
    assert Authority.objects.count() == 432


def test_loading_again_repairs_a_changed_row():
    Authority.objects.filter(ags="05515000").update(name="Falsch", population=1)
    counts = load_authorities(Authority, AuthorityOutline)
    assert counts["updated"] == 1
    assert Authority.objects.get(ags="05515000").name == "Münster"


def test_staff_can_search_authorities_by_name_and_key_in_admin(client, staff_user, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    client.force_login(staff_user)
    by_name = client.get("/admin/members/authority/", {"q": "Gütersloh"})
    assert "05754008" in by_name.text
    by_key = client.get("/admin/members/authority/", {"q": "05334002"})
    assert "Aachen" in by_key.text
    assert "Bielefeld" not in by_key.text
