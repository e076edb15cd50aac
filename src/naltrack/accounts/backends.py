"""The password backend: Django's, with the staff member's profile (their role) read in the same
query as the user on every request, so that naming the actor (actor_for) and the one-time-password
check (staff.password_change_due_for) cost no query of their own."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User


class StaffBackend(ModelBackend):
    def get_user(self, user_id: int) -> User | None:
        user = User.objects.select_related("staff").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
