"""Durable state of the service: API keys, suggestion requests, coders' feedback, batch
jobs and the audit trail, on SQLite (one file in the data directory) or PostgreSQL.

Each repository function runs in its own transaction and returns plain dataclasses; a
function that writes has committed when it returns.
"""
