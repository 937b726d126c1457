"""Database fixtures: a fresh SQLite and PostgreSQL database per test (owned by the store work)."""
