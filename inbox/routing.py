import os

from django.urls import path

from inbox import consumers

websocket_urlpatterns = [
    path("ws/queue/", consumers.QueueConsumer.as_asgi()),
    path("ws/conversations/<int:conversation_id>/", consumers.ConversationConsumer.as_asgi()),
]

if os.environ.get("PARLEY_BENCH_ECHO") == "1":
    # Only for bench/queue.py's baseline measurement; never routed in a normal deployment.
    websocket_urlpatterns.append(path("ws/bench-echo/", consumers.EchoConsumer.as_asgi()))
