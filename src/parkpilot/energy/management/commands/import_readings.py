from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from parkpilot.energy.fileimport import CHUNK, FileRefused, count_rows, file_kind, import_file
from parkpilot.stored_text import shown
from parkpilot.tenancy.models import Park


class Command(BaseCommand):
    help = (
        "Import readings from a CSV or XLSX file (columns point, ts, value[, unit]; XLSX: the "
        "first sheet), streamed through the intake core 10,000 rows at a time."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--park", help="park code (needed when there is more than one park)")
        parser.add_argument("--chunk", type=int, default=CHUNK)

    def handle(self, *args, file: str, park: str | None, chunk: int, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        parks = Park.objects.filter(code=park) if park else Park.objects.all()
        if parks.count() != 1:
            raise CommandError("name the park with --park CODE" if not park else f"no park {park}")
        target = parks.get()
        try:
            total = count_rows(path, file_kind(path.name))
        except FileRefused as exc:
            raise CommandError(shown(exc)) from exc

        def progress(totals):
            pct = totals.rows * 100 // total if total else 100
            self.stdout.write(
                f"{totals.rows}/{total} rows ({pct}%): {totals.accepted} accepted, "
                f"{totals.duplicates} duplicates, {totals.conflicts} conflicts, "
                f"{totals.rejected} rejected"
            )

        try:
            totals = import_file(park=target, path=path, progress=progress, chunk=chunk)
        except FileRefused as exc:
            raise CommandError(shown(exc)) from exc
        for error in totals.errors[:20]:
            self.stdout.write(f"  row {error['row']}: {error['field']}: {shown(error['reason'])}")
        self.stdout.write(self.style.SUCCESS(f"imported {path.name}: {totals.accepted} readings"))
