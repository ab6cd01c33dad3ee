"""Alembic migrations of the catalog schema (SQLite and PostgreSQL)."""
