"""Exports: row sources that page through the database, and pure streaming writers."""
