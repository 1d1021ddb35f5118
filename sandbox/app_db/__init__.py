"""The app_db sandbox: a generated application database for Clutter Haven (issue 20), SQLite or PostgreSQL."""
