"""The database: engine, sessions, migrations."""
