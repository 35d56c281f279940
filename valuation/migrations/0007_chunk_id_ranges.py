from django.db import migrations, models


def ranges_from_ids(apps, schema_editor):
    """A chunk written before this migration listed its customers' ids (consecutive in id order):
    its range is their first and last."""
    ValuationChunk = apps.get_model("valuation", "ValuationChunk")
    for chunk in ValuationChunk.objects.all():
        ids = chunk.customer_ids
        if not ids:
            continue
        chunk.first_id, chunk.last_id, chunk.customers = min(ids), max(ids), len(ids)
        chunk.save(update_fields=["first_id", "last_id", "customers"])


class Migration(migrations.Migration):
    dependencies = [
        ("valuation", "0006_rescore_requests"),
    ]

    operations = [
        migrations.AddField(
            model_name="valuationchunk",
            name="first_id",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="valuationchunk",
            name="last_id",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="valuationchunk",
            name="customers",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(ranges_from_ids, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="valuationchunk",
            name="customer_ids",
        ),
    ]
