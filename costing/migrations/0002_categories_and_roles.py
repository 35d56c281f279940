"""Seed the cost categories in their two families and give the roles their costing permissions."""

from django.db import migrations

CATEGORIES = [
    ("广告", "Advertising", "marketing"),
    ("促销", "Promotion", "marketing"),
    ("礼品", "Gifts", "marketing"),
    ("活动", "Events", "marketing"),
    ("售后人工", "After-sales labour", "service"),
    ("维修", "Repairs", "service"),
    ("差旅", "Travel", "service"),
    ("技术支持", "Support", "service"),
]


def seed(apps, schema_editor):
    CostCategory = apps.get_model("costing", "CostCategory")
    for name, name_en, family in CATEGORIES:
        CostCategory.objects.get_or_create(name=name, defaults={"name_en": name_en, "family": family})
    from custnotes.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("costing", "0001_initial"),
        ("transactions", "0002_roles_and_payment_methods"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
