"""Persistence behind repository classes (SQLAlchemy 2 Core + Alembic)."""
