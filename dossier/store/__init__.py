"""The only package that imports sqlcipher3: connect, pragmas, transactions, migrations."""

from dossier.store.db import Database, DatabaseError, connect
from dossier.store.migrations import MIGRATIONS, SCHEMA_VERSION

__all__ = ["Database", "DatabaseError", "connect", "MIGRATIONS", "SCHEMA_VERSION"]
