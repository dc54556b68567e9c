"""Attendance, hours and reports (no Qt here): what happened, and what it adds up to."""
