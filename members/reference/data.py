"""Loads the NRW local authorities shipped in members/data/ into the database.

Used by a data migration (with the historical models) and by the command
`load_reference_data`. Running it again updates rows in place and creates nothing twice.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
OUTLINE_FILES = {
    "Regierungsbezirk": "nrw_regierungsbezirke.geojson",
    "Kreis": "nrw_kreise.geojson",
}
DEFAULT_OUTLINE_FILE = "nrw_gemeinden.geojson"
FIELDS = ("name", "kind", "population", "latitude", "longitude")


def read_rows() -> list[dict[str, str]]:
    with (DATA_DIR / "nrw_kommunen.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_outlines() -> dict[str, dict[str, Any]]:
    outlines: dict[str, dict[str, Any]] = {}
    for name in {DEFAULT_OUTLINE_FILE, *OUTLINE_FILES.values()}:
        collection = json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
        for feature in collection["features"]:
            outlines.setdefault(feature["properties"]["ags"], feature["geometry"])
    return outlines


def load_authorities(authority_model: Any, outline_model: Any) -> dict[str, int]:
    rows = read_rows()
    existing = {a.ags: a for a in authority_model.objects.all()}
    to_create, to_update = [], []
    for row in rows:
        values = {
            "name": row["name"],
            "kind": row["type"],
            "population": int(row["population"]),
            "latitude": float(row["lat"]),
            "longitude": float(row["lon"]),
        }
        authority = existing.get(row["ags"])
        if authority is None:
            authority = authority_model(ags=row["ags"], **values)
            to_create.append(authority)
            existing[row["ags"]] = authority
        elif any(getattr(authority, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(authority, key, value)
            to_update.append(authority)
    authority_model.objects.bulk_create(to_create)
    authority_model.objects.bulk_update(to_update, FIELDS)

    regions = {a.name: a for a in existing.values() if a.kind == "Regierungsbezirk"}
    linked = []
    for row in rows:
        authority = existing[row["ags"]]
        kreis = existing.get(row["kreis_ags"]) if row["kreis_ags"] != row["ags"] else None
        region = regions.get(row["regierungsbezirk"]) if row["type"] != "Regierungsbezirk" else None
        if authority.kreis_id != (kreis.pk if kreis else None) or authority.regierungsbezirk_id != (
            region.pk if region else None
        ):
            authority.kreis = kreis
            authority.regierungsbezirk = region
            linked.append(authority)
    authority_model.objects.bulk_update(linked, ["kreis", "regierungsbezirk"])

    outlines = read_outlines()
    have_outline = set(outline_model.objects.values_list("authority_id", flat=True))
    new_outlines = [
        outline_model(authority=authority, geometry=outlines[ags])
        for ags, authority in existing.items()
        if authority.pk not in have_outline and ags in outlines
    ]
    outline_model.objects.bulk_create(new_outlines)
    return {
        "created": len(to_create),
        "updated": len(to_update),
        "linked": len(linked),
        "outlines": len(new_outlines),
    }
