"""Supervisors' reports over SLA outcomes and conversations: a period in the user's zone, filters
scoped to the teams they may see, and figures aggregated in the database."""
