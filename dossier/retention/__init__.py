"""Destruction that really erases (CSR 5.4): requests, holds, retention periods, erasure, letters, backups."""
