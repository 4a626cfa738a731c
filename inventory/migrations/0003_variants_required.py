# Separate from the data migration: on PostgreSQL a table cannot be altered in the transaction that queued
# its deferred foreign-key checks.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0002_variants"),
    ]

    operations = [
        migrations.AlterField(
            model_name="stocklevel",
            name="variant",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="stock_levels", to="catalog.productvariant"
            ),
        ),
        migrations.AlterField(
            model_name="stockmovement",
            name="variant",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="catalog.productvariant"
            ),
        ),
        migrations.AlterField(
            model_name="stockreservation",
            name="variant",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="catalog.productvariant"
            ),
        ),
        migrations.AlterField(
            model_name="stocktransfer",
            name="variant",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="catalog.productvariant"
            ),
        ),
    ]
