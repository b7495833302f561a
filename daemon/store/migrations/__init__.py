"""Alembic migrations (versions/). NEWEST_REVISION names the last one, so that a daemon can
tell that its database is current without loading Alembic; a test holds it to Alembic's head."""

NEWEST_REVISION = "0010"
