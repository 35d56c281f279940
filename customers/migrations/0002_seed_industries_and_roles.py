"""Seed the common industries and create the role groups (Sales, Finance, Manager, Admin)."""

from django.db import migrations

INDUSTRIES = [
    # name, English name, outlook, competition, template
    ("零售", "Retail", "stable", "high", "retail"),
    ("批发", "Wholesale", "stable", "high", "retail"),
    ("餐饮", "Food service", "stable", "high", "retail"),
    ("制造业", "Manufacturing", "stable", "medium", "manufacturing"),
    ("建筑", "Construction", "declining", "high", "manufacturing"),
    ("能源", "Energy", "stable", "low", "manufacturing"),
    ("金融", "Finance", "stable", "high", "finance"),
    ("信息技术", "Information technology", "growing", "high", "services"),
    ("医疗健康", "Healthcare", "growing", "medium", "services"),
    ("教育", "Education", "stable", "medium", "services"),
    ("物流", "Logistics", "growing", "medium", "services"),
    ("专业服务", "Professional services", "stable", "medium", "services"),
    ("房地产", "Real estate", "declining", "high", ""),
    ("农业", "Agriculture", "stable", "low", ""),
]


def seed(apps, schema_editor):
    Industry = apps.get_model("customers", "Industry")
    for name, name_en, outlook, competition, template in INDUSTRIES:
        Industry.objects.get_or_create(
            name=name,
            defaults={"name_en": name_en, "outlook": outlook, "competition": competition, "template": template},
        )
    from custnotes.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
