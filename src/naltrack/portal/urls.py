"""The portal's pages, named `portal:...`, mounted at /portal/ by naltrack.urls.

The navigation in portal/base.html shows a slot only when its URL name exists, so each area of
the portal adds its routes below, in its own block, under these names:
portal:home, portal:doses, portal:checkin, portal:plan, portal:wallet-card, portal:learn,
portal:settings, portal:consents."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from . import checkin_views, invite_views, plan_views, settings_views, views, views_card

app_name = "portal"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="login"),
    path("sign-out/", views.sign_out, name="logout"),
    path("sign-in/code/", views.two_factor, name="two-factor"),
    path("invite/", invite_views.by_code, name="invite-code"),
    path("invite/<str:token>/", invite_views.by_link, name="invite"),
    path("plan/", plan_views.plan, name="plan"),
    path("settings/", settings_views.settings_page, name="settings"),
    path("settings/authenticator/", settings_views.authenticator, name="authenticator"),
]

# Dose log and daily check-in (portal:doses, portal:checkin)
urlpatterns += [
    path("doses/", checkin_views.doses, name="doses"),
    path("check-in/", checkin_views.checkin, name="checkin"),
]

# Wallet card, surgery letter, Learn pages (portal:wallet-card, portal:learn)
urlpatterns += [
    path("card/", views_card.wallet_card, name="wallet-card"),
    path("card.pdf", views_card.wallet_card_pdf, name="wallet-card-pdf"),
    path("card/letter/", views_card.procedure_letter, name="procedure-letter"),
    path("learn/", views_card.learn, name="learn"),
    path("learn/<slug:slug>/", views_card.learn_page, name="learn-page"),
]

# Reminders, calendar, support people
from . import reminder_views  # noqa: E402

urlpatterns += [
    path("reminders/", reminder_views.reminders_page, name="reminders"),
    path("reminders/calendar/", reminder_views.calendar_new, name="calendar-new"),
    path("reminders/calendar/revoke/", reminder_views.calendar_revoke, name="calendar-revoke"),
    path("support/", reminder_views.support_page, name="support"),
    path("support/<int:person_id>/", reminder_views.support_change, name="support-change"),
]

# My consents and the accounting of disclosures (portal:consents, issue 10)
from . import consent_views  # noqa: E402

urlpatterns += [
    path("consents/", consent_views.consents, name="consents"),
    path("consents/<int:consent_id>/revoke/", consent_views.revoke, name="consent-revoke"),
]
