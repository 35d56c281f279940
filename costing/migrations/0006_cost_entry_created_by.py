from django.db import migrations


class Migration(migrations.Migration):
    """One name for who recorded a record: CostEntry.author becomes created_by, as on sales,
    payments and campaigns (a note keeps its author: it is what a note has)."""

    dependencies = [("costing", "0005_labels")]

    operations = [migrations.RenameField(model_name="costentry", old_name="author", new_name="created_by")]
