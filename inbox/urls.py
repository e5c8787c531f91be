from django.urls import path

from inbox import canned_views, customer_views, notification_views, search_views, tag_views, views

app_name = "inbox"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("search/", search_views.search, name="search"),
    path("conversations/<int:conversation_id>/", views.conversation_detail, name="conversation"),
    path("conversations/<int:conversation_id>/live/", views.conversation_live, name="conversation_live"),
    path("conversations/<int:conversation_id>/reply/", views.reply, name="reply"),
    path("conversations/<int:conversation_id>/note/", views.note, name="note"),
    path("conversations/<int:conversation_id>/assign/", views.assign, name="assign"),
    path("conversations/<int:conversation_id>/status/", views.set_status, name="status"),
    path("conversations/<int:conversation_id>/priority/", views.set_priority, name="priority"),
    path("conversations/<int:conversation_id>/canned/", canned_views.canned_search, name="canned"),
    path("conversations/<int:conversation_id>/tags/", tag_views.tag_add, name="tag_add"),
    path("conversations/<int:conversation_id>/tags/search/", tag_views.tag_search, name="tag_search"),
    path("conversations/<int:conversation_id>/tags/<int:tag_id>/remove/", tag_views.tag_remove, name="tag_remove"),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path("notifications/read/", notification_views.notification_read, name="notifications_read"),
    path("notifications/bell/", notification_views.notification_bell, name="notifications_bell"),
    path("notifications/settings/", notification_views.notification_settings, name="notifications_settings"),
    path("messages/<int:message_id>/retry/", views.retry_message, name="retry"),
    path("customers/<int:customer_id>/", customer_views.customer_detail, name="customer"),
    path("canned/", canned_views.canned_list, name="canned_list"),
    path("canned/<int:canned_id>/", canned_views.canned_edit, name="canned_edit"),
    path("canned/<int:canned_id>/delete/", canned_views.canned_delete, name="canned_delete"),
    path("customers/<int:customer_id>/notes/", customer_views.customer_notes, name="customer_notes"),
    path("customers/<int:customer_id>/merge/", customer_views.customer_merge, name="customer_merge"),
]
