"""Each payment's running figures (issue 15): allocated_to_date and refunded_to_date, kept by the
services, and what is left of a receipt (unallocated_to_date, generated), with the indexes behind the
payments list's sorts; each sale's settlement (generated) behind the sales list's sort by status."""

import django.db.models.expressions
from django.conf import settings
from django.db import migrations, models

import custnotes.money

# Every payment's figures from their sources in one UPDATE joined to one grouped aggregate (not a
# subquery per payment): the sums of its allocations and of the refunds paid out of it. UPDATE … FROM
# is PostgreSQL's and SQLite's (3.33 and later); money columns hold integer fen, so the sums are exact.
BACKFILL = """
UPDATE transactions_payment
SET allocated_to_date = figures.allocated, refunded_to_date = figures.refunded
FROM (
    SELECT payment_id, SUM(allocated) AS allocated, SUM(refunded) AS refunded
    FROM (
        SELECT payment_id, amount AS allocated, 0 AS refunded FROM transactions_allocation
        UNION ALL
        SELECT refund_of_id, 0, amount FROM transactions_payment
        WHERE kind = 'refund' AND refund_of_id IS NOT NULL
    ) AS parts
    GROUP BY payment_id
) AS figures
WHERE transactions_payment.id = figures.payment_id
"""


def figures_from_sources(apps, schema_editor):
    schema_editor.execute(BACKFILL)


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0007_list_indexes'),
        ('transactions', '0008_product_search'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='payment',
            name='allocated_to_date',
            field=custnotes.money.MoneyField(db_default=0, default=0, verbose_name='allocated'),
        ),
        migrations.AddField(
            model_name='payment',
            name='refunded_to_date',
            field=custnotes.money.MoneyField(db_default=0, default=0, verbose_name='refunded'),
        ),
        migrations.RunPython(figures_from_sources, migrations.RunPython.noop),
        migrations.AddField(
            model_name='payment',
            name='unallocated_to_date',
            field=models.GeneratedField(db_persist=True, expression=models.Case(models.When(kind='refund', then=models.Value(0)), default=django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.F('amount'), '-', models.F('allocated_to_date')), '-', models.F('refunded_to_date'))), output_field=custnotes.money.MoneyField(), verbose_name='credit left'),
        ),
        migrations.AddField(
            model_name='sale',
            name='settlement',
            field=models.GeneratedField(db_persist=True, expression=models.Case(models.When(is_void=True, then=models.Value(3)), models.When(paid_to_date__gte=models.F('amount'), then=models.Value(2)), models.When(paid_to_date__gt=0, then=models.Value(1)), default=models.Value(0)), output_field=models.PositiveSmallIntegerField(), verbose_name='settlement'),
        ),
        migrations.AddConstraint(
            model_name='payment',
            constraint=models.CheckConstraint(condition=models.Q(('allocated_to_date__gte', 0), ('refunded_to_date__gte', 0), ('amount__gte', django.db.models.expressions.CombinedExpression(models.F('allocated_to_date'), '+', models.F('refunded_to_date')))), name='payment_applied_within_amount'),
        ),
        migrations.AddIndex(
            model_name='payment',
            index=models.Index(fields=['unallocated_to_date'], name='payment_unallocated'),
        ),
        migrations.AddIndex(
            model_name='payment',
            index=models.Index(fields=['kind'], name='payment_kind'),
        ),
        migrations.AddIndex(
            model_name='payment',
            index=models.Index(fields=['fee'], name='payment_fee'),
        ),
        migrations.AddIndex(
            model_name='payment',
            index=models.Index(fields=['reference'], name='payment_reference'),
        ),
        migrations.AddIndex(
            model_name='payment',
            index=models.Index(condition=models.Q(('unallocated_to_date__gt', 0)), fields=['customer'], name='payment_credit'),
        ),
        migrations.AddIndex(
            model_name='sale',
            index=models.Index(fields=['settlement', 'due_date'], name='sale_settlement'),
        ),
    ]
