import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from inbox.routing import websocket_urlpatterns as inbox_sockets  # noqa: E402
from sla.routing import websocket_urlpatterns as sla_sockets  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(inbox_sockets + sla_sockets))),
    }
)

if settings.PARLEY_INPROCESS_WORKERS:
    # Embedded mode: the demo's Celery work and beat run as threads of this process.
    from config.inprocess import start_inprocess_workers

    start_inprocess_workers()
