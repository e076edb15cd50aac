"""The public reminder endpoints under /r/ (no sign-in; a secret or a signature each)."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views

app_name = "reminders"
urlpatterns: list[URLPattern] = [
    path("sms/inbound", views.sms_inbound, name="sms-inbound"),
    path("unsubscribe/<str:token>/", views.unsubscribe_page, name="unsubscribe"),
    path("notice/", views.notice_page, name="notice"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar"),
]
