# Separate from the data migration: on PostgreSQL a table cannot be altered in the transaction that queued
# its deferred foreign-key checks.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0002_variants"),
    ]

    operations = [
        migrations.AlterField(
            model_name="orderitem",
            name="variant",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="order_items", to="catalog.productvariant"
            ),
        ),
    ]
