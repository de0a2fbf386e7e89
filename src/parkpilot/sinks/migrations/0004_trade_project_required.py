# A trade's project, filled by 0003, is required from now on (a migration of its own: PostgreSQL
# will not alter a table with the fill's deferred constraint checks pending).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sinks', '0003_sellers'),
    ]

    operations = [
        migrations.AlterField(
            model_name='trade',
            name='project',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='trades', to='sinks.project'),
        ),
    ]
