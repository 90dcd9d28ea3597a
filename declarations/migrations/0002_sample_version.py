import datetime

from django.db import migrations

SAMPLE_TEXT = """## Präambel

Bürgerschaftliches Engagement hält unsere Städte, Gemeinden und Kreise zusammen. Menschen, die
sich freiwillig einsetzen, gestalten das Zusammenleben vor Ort – in Vereinen, Initiativen,
Nachbarschaften und in neuen, auch digitalen Formen. Das Land Nordrhein-Westfalen, die
kommunalen Spitzenverbände und die unterzeichnenden Kommunen wollen diese Kraft stärken und
verabreden dafür gemeinsame Grundsätze.

## Unsere gemeinsamen Ziele

1. Wir verstehen die Förderung von Engagement als Querschnittsaufgabe, die alle Bereiche der
   Verwaltung betrifft.
2. Wir benennen in jeder Kommune eine Ansprechperson für bürgerschaftliches Engagement.
3. Wir würdigen freiwilligen Einsatz sichtbar, etwa mit der Ehrenamtskarte NRW oder einer
   vergleichbaren Form der Anerkennung.
4. Wir öffnen Wege ins Engagement für alle Menschen, unabhängig von Herkunft, Alter oder
   Beeinträchtigung.
5. Wir teilen Wissen und Erfahrungen im Netzwerk und entwickeln es gemeinsam weiter.

## Zusammenarbeit im Netzwerk

Die unterzeichnenden Kommunen nehmen regelmäßig an den Netzwerktreffen teil, bringen
Praxisbeispiele ein und beteiligen sich an Befragungen und Dokumentationen. Das Land begleitet
das Netzwerk über die Staatskanzlei fachlich und organisatorisch.

## Fortschreibung

Diese Erklärung wird im Licht neuer Entwicklungen überprüft und bei Bedarf fortgeschrieben. Mit
ihrer Unterschrift bekräftigen die Kommunen, die hier genannten Ziele vor Ort umzusetzen.
"""

PARTNERS = [
    ("state", "Land Nordrhein-Westfalen", "Staatskanzlei des Landes Nordrhein-Westfalen"),
    ("association", "Städtetag Nordrhein-Westfalen", ""),
    ("association", "Landkreistag Nordrhein-Westfalen", ""),
    ("association", "Städte- und Gemeindebund Nordrhein-Westfalen", ""),
    ("region", "Bezirksregierung Arnsberg", ""),
]


def add_sample(apps, schema_editor):
    version_model = apps.get_model("declarations", "DeclarationVersion")
    partner_model = apps.get_model("declarations", "PartnerSignatory")
    if version_model.objects.exists():
        return
    version = version_model.objects.create(
        title="Zukunftsfaktor Bürgerengagement – Gemeinsam und vernetzt handeln",
        label="2026",
        body=SAMPLE_TEXT,
        published_on=datetime.date(2026, 5, 12),
        is_current=True,
    )
    for position, (kind, name, represented_by) in enumerate(PARTNERS):
        partner_model.objects.create(
            version=version,
            kind=kind,
            name=name,
            represented_by=represented_by,
            signed_on=datetime.date(2026, 5, 12),
            position=position,
        )


class Migration(migrations.Migration):
    dependencies = [("declarations", "0001_declarations")]

    operations = [migrations.RunPython(add_sample, migrations.RunPython.noop)]
