"""The sign-in area's pages, named `signin:...` (included at the root by naltrack.urls)."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views

app_name = "signin"
urlpatterns: list[URLPattern] = [
    path("account/security/", views.account, name="account"),
    path(
        "account/sign-out-everywhere/",
        views.sign_out_everywhere_view,
        name="sign-out-everywhere",
    ),
    path("account/two-factor/", views.two_factor, name="two-factor"),
    path("account/two-factor/setup/", views.two_factor_setup, name="two-factor-setup"),
    path("account/recovery-codes/", views.recovery_codes, name="recovery-codes"),
    path("staff/lockouts/", views.lockouts, name="lockouts"),
]
