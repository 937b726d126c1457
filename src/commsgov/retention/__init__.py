"""Retention: schedules, date maths, holds, conflict resolution and disposition (pure)."""
