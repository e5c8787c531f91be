def seed_sla() -> None:
    """Filled in with the SLA engine: calendars and policies for the demo."""
