from django.db import migrations


def load(apps, schema_editor):
    from members.reference.data import load_authorities

    load_authorities(
        apps.get_model("members", "Authority"), apps.get_model("members", "AuthorityOutline")
    )


class Migration(migrations.Migration):
    dependencies = [("members", "0002_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
