"""Sign-in and sessions (issue 10): lockouts after failed sign-ins, the second factor, idle
sign-out and signing out everywhere. Its models are those of django-axes and django-otp."""
