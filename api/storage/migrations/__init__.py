"""Alembic migrations of the storage schema (a package so that installs ship them)."""
