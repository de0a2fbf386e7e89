import uvicorn
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve ParkPilot over HTTP with uvicorn (ASGI)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1)

    def handle(self, *args, host: str, port: int, workers: int, **options):
        uvicorn.run(
            "parkpilot.asgi:application",
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            # Proxies (nginx) set X-Forwarded-*; uvicorn trusts them only from loopback.
            proxy_headers=True,
            lifespan="off",  # Django has no ASGI lifespan handlers
        )
