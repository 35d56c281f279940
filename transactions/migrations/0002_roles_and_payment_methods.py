"""Seed the usual payment methods and give the roles their ledger permissions (custnotes/roles.py)."""

from django.db import migrations

# name, English name, fee rate, fixed fee in fen, settlement days
METHODS = [
    ("现金", "Cash", "0", 0, 0),
    ("银行转账", "Bank transfer", "0", 0, 1),
    ("信用卡", "Credit card", "0.006", 0, 1),
    ("微信支付", "WeChat Pay", "0.006", 0, 1),
    ("支付宝", "Alipay", "0.006", 0, 1),
]


def sync(apps, schema_editor):
    from decimal import Decimal

    PaymentMethod = apps.get_model("transactions", "PaymentMethod")
    for name, name_en, rate, fixed_fen, days in METHODS:
        PaymentMethod.objects.get_or_create(
            name=name,
            defaults={
                "name_en": name_en,
                "fee_rate": Decimal(rate),
                "fixed_fee": Decimal(fixed_fen) / 100,
                "settlement_days": days,
            },
        )
    from custnotes.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("transactions", "0001_initial"),
        ("customers", "0003_customertypechange"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
