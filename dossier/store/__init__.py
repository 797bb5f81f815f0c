"""The only package that imports sqlcipher3, and the encrypted attachment files; knows no part of a dossier."""

from dossier.store.db import Database, DatabaseError, connect
from dossier.store.migrations import MIGRATIONS, SCHEMA_VERSION, client_tables

__all__ = ["Database", "DatabaseError", "connect", "MIGRATIONS", "SCHEMA_VERSION", "client_tables"]
