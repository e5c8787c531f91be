from django.urls import path

from inbox import views

app_name = "inbox"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("conversations/<int:conversation_id>/", views.conversation_detail, name="conversation"),
    path("conversations/<int:conversation_id>/reply/", views.reply, name="reply"),
    path("conversations/<int:conversation_id>/note/", views.note, name="note"),
    path("conversations/<int:conversation_id>/assign/", views.assign, name="assign"),
    path("conversations/<int:conversation_id>/status/", views.set_status, name="status"),
    path("conversations/<int:conversation_id>/priority/", views.set_priority, name="priority"),
    path("messages/<int:message_id>/retry/", views.retry_message, name="retry"),
    path("customers/<int:customer_id>/", views.customer_detail, name="customer"),
]
