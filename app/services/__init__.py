"""Business rules as plain functions; no Flask request objects here."""
