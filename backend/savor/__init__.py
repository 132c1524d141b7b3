"""Savor: a mindfulness practice companion for mothers in recovery, and its research platform."""

from sqlmodel import SQLModel

# Set before any table is declared, so every constraint gets a stable name that Alembic can
# find again on SQLite (batch mode) and on PostgreSQL alike.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
