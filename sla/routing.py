from django.urls import path

from sla import consumers

websocket_urlpatterns = [path("ws/sla/at-risk/", consumers.AtRiskConsumer.as_asgi())]
