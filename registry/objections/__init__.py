"""Objections: customers' answers to announced changes, and the legal team's triage."""
