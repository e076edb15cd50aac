"""Appointments: a patient's booked visits, kept, missed or cancelled (reminders build on them)."""
