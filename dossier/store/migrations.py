"""Numbered schema migrations. Each runs inside one transaction; the version is in ``meta``.

Never edit a migration that has shipped: add the next one. Tables keep an explicit
``n INTEGER PRIMARY KEY`` so VACUUM (used by destruction) cannot renumber the rowids that the
full-text index refers to.
"""

from __future__ import annotations

from dossier.errors import VaultDamaged

# Migration 1: the first schema (record, sessions, results, attachments, audit chain).
_V1 = [
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE clients (
        n INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        first_name TEXT NOT NULL, last_name TEXT NOT NULL,
        birth_date TEXT, email TEXT NOT NULL DEFAULT '', phone TEXT NOT NULL DEFAULT '',
        address TEXT NOT NULL DEFAULT '', postcode TEXT NOT NULL DEFAULT '', city TEXT NOT NULL DEFAULT '',
        employer TEXT NOT NULL DEFAULT '', job_title TEXT NOT NULL DEFAULT '', background TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')), closed TEXT,
        commissioner_organisation TEXT NOT NULL DEFAULT '', commissioner_contact TEXT NOT NULL DEFAULT '',
        commissioner_email TEXT NOT NULL DEFAULT '', commissioner_phone TEXT NOT NULL DEFAULT '',
        commissioner_company_doctor TEXT NOT NULL DEFAULT '',
        assignment_goal TEXT NOT NULL DEFAULT '', assignment_started TEXT, assignment_ended TEXT,
        agreement_date TEXT, agreement_terms TEXT NOT NULL DEFAULT '',
        agreement_code_handed_over INTEGER NOT NULL DEFAULT 0,
        agreement_complaints_procedure_explained INTEGER NOT NULL DEFAULT 0,
        created TEXT NOT NULL, updated TEXT NOT NULL
    )""",
    """CREATE TABLE persons (
        n INTEGER PRIMARY KEY,
        client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        name TEXT NOT NULL, relation TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX persons_client ON persons(client_id)",
    """CREATE TABLE sessions (
        n INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        date TEXT NOT NULL, duration_min INTEGER,
        notes TEXT NOT NULL DEFAULT '', findings TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX sessions_client ON sessions(client_id, date)",
    """CREATE TABLE questionnaires (
        n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
        client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        name TEXT NOT NULL, date TEXT, results TEXT NOT NULL DEFAULT '{}'
    )""",
    "CREATE INDEX questionnaires_client ON questionnaires(client_id)",
    """CREATE TABLE measurements (
        n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
        client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        kind TEXT NOT NULL, date TEXT, results TEXT NOT NULL DEFAULT '{}'
    )""",
    "CREATE INDEX measurements_client ON measurements(client_id)",
    """CREATE TABLE attachments (
        n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
        client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('questionnaire', 'hrv', 'letter', 'other')),
        filename TEXT NOT NULL, media_type TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL,
        added TEXT NOT NULL, content BLOB NOT NULL
    )""",
    "CREATE INDEX attachments_client ON attachments(client_id)",
    """CREATE TABLE audit (
        seq INTEGER PRIMARY KEY, at TEXT NOT NULL, action TEXT NOT NULL,
        client_id TEXT, detail TEXT NOT NULL DEFAULT '', prev TEXT NOT NULL, hash TEXT NOT NULL
    )""",
    # The audit log is append-only: the database itself refuses edits and deletions.
    """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
]

# Migration 2: full-text search (FTS5) over clients and sessions, kept in step by triggers.
# Contentless (content = ''): the index holds no second copy of the text (half the import
# time and less to erase; snippets are made from the records themselves, records/search.py).
# Its rowid says what it indexes: clients.n * 2 for a client, sessions.n * 2 + 1 for a session.
# Its own secure-delete option is on: without it FTS5 keeps deleted words even after VACUUM.
_INSERT_CLIENT = "INSERT INTO search_index(rowid, body) SELECT n * 2, body FROM client_search_body"
_INSERT_SESSION = "INSERT INTO search_index(rowid, body) SELECT s.n * 2 + 1, s.notes || ' ' || s.findings FROM sessions s"
_V2 = [
    """CREATE VIEW client_search_body (n, id, body) AS SELECT c.n, c.id,
        c.first_name || ' ' || c.last_name || ' ' || c.email || ' ' || c.phone || ' ' || c.address || ' ' ||
        c.postcode || ' ' || c.city || ' ' || c.employer || ' ' || c.job_title || ' ' || c.background || ' ' ||
        c.commissioner_organisation || ' ' || c.commissioner_contact || ' ' || c.commissioner_company_doctor || ' ' ||
        c.assignment_goal || ' ' ||
        coalesce((SELECT group_concat(p.name || ' ' || p.relation, ' ') FROM persons p WHERE p.client_id = c.id), '')
    FROM clients c""",
    """CREATE VIRTUAL TABLE search_index USING fts5(
        body, tokenize = 'unicode61 remove_diacritics 2', content = '', contentless_delete = 1)""",
    "INSERT INTO search_index(search_index, rank) VALUES ('secure-delete', 1)",
    _INSERT_CLIENT,
    _INSERT_SESSION,
    f"CREATE TRIGGER clients_ai AFTER INSERT ON clients BEGIN {_INSERT_CLIENT} WHERE n = new.n; END",
    f"""CREATE TRIGGER clients_au AFTER UPDATE ON clients BEGIN
        DELETE FROM search_index WHERE rowid = old.n * 2; {_INSERT_CLIENT} WHERE n = new.n; END""",
    "CREATE TRIGGER clients_ad AFTER DELETE ON clients BEGIN DELETE FROM search_index WHERE rowid = old.n * 2; END",
    f"""CREATE TRIGGER persons_ai AFTER INSERT ON persons BEGIN
        DELETE FROM search_index WHERE rowid = (SELECT n * 2 FROM clients WHERE id = new.client_id);
        {_INSERT_CLIENT} WHERE id = new.client_id; END""",
    f"""CREATE TRIGGER persons_ad AFTER DELETE ON persons BEGIN
        DELETE FROM search_index WHERE rowid = (SELECT n * 2 FROM clients WHERE id = old.client_id);
        {_INSERT_CLIENT} WHERE id = old.client_id; END""",
    f"CREATE TRIGGER sessions_ai AFTER INSERT ON sessions BEGIN {_INSERT_SESSION} WHERE s.n = new.n; END",
    f"""CREATE TRIGGER sessions_au AFTER UPDATE ON sessions BEGIN
        DELETE FROM search_index WHERE rowid = old.n * 2 + 1; {_INSERT_SESSION} WHERE s.n = new.n; END""",
    "CREATE TRIGGER sessions_ad AFTER DELETE ON sessions BEGIN DELETE FROM search_index WHERE rowid = old.n * 2 + 1; END",
]

# Migration 3: the client's rights (CSR 5.1-5.3, 6.1-6.5, 9.4, 2.5, 6.8). Requests with a deadline
# (corrections, copies; the kind and status are checked in dossier/rights, so later kinds need
# no table rebuild), the client's own statements bound to an item, the consent register with
# its history, the disclosure log, and the copies given.
_V3 = [
    """CREATE TABLE requests (
        n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
        client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        kind TEXT NOT NULL, received TEXT NOT NULL, deadline TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open', closed TEXT, outcome TEXT NOT NULL DEFAULT '',
        item TEXT, proposed TEXT, reason TEXT NOT NULL DEFAULT '', old_value TEXT, new_value TEXT,
        created TEXT NOT NULL
    )""",
    "CREATE INDEX requests_client ON requests(client_id)",
    "CREATE INDEX requests_open ON requests(status, deadline)",
    """CREATE TABLE statements (
        n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
        client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        received TEXT NOT NULL, about TEXT, text TEXT NOT NULL, created TEXT NOT NULL
    )""",
    "CREATE INDEX statements_client ON statements(client_id)",
    """CREATE TABLE consents (
        n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
        client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        type TEXT NOT NULL, granted TEXT NOT NULL, how TEXT NOT NULL DEFAULT '',
        scope TEXT NOT NULL DEFAULT '', withdrawn TEXT, created TEXT NOT NULL
    )""",
    "CREATE INDEX consents_client ON consents(client_id, type)",
    """CREATE TABLE disclosures (
        n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
        client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        date TEXT NOT NULL, recipient TEXT NOT NULL, what TEXT NOT NULL, ground TEXT NOT NULL,
        consent TEXT, informed INTEGER, legal_basis TEXT NOT NULL DEFAULT '',
        justification TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL DEFAULT 'disclosure', created TEXT NOT NULL
    )""",
    "CREATE INDEX disclosures_client ON disclosures(client_id, date)",
    """CREATE TABLE copies (
        n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
        client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        date TEXT NOT NULL, recipient TEXT NOT NULL, contents TEXT NOT NULL, lang TEXT NOT NULL,
        created TEXT NOT NULL
    )""",
    "CREATE INDEX copies_client ON copies(client_id)",
]

# Migration 4: destruction (CSR 5.4; GDPR Art. 5(1)(e), 17). Attachments move out of the
# database into separately encrypted files (blobs/, the key in ``blob_key``), so that
# destroying one client never rewrites gigabytes. A destruction request outlives its client
# as a tombstone (no foreign key); the ledger lists destroyed client ids, so that a restored
# backup can be made to forget them again. Holds block destruction; retention runs from closure.
_V4 = [
    "ALTER TABLE attachments ADD COLUMN blob_key BLOB",
    "ALTER TABLE clients ADD COLUMN retention TEXT",
    """CREATE TABLE destructions (
        n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, client_id TEXT NOT NULL,
        first_name TEXT NOT NULL, last_name TEXT NOT NULL,
        received TEXT NOT NULL, deadline TEXT NOT NULL,
        letter BLOB, letter_name TEXT,
        status TEXT NOT NULL DEFAULT 'pending', executed TEXT, basis TEXT NOT NULL DEFAULT '',
        created TEXT NOT NULL
    )""",
    "CREATE INDEX destructions_client ON destructions(client_id)",
    """CREATE TABLE holds (
        n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
        client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        reason TEXT NOT NULL, placed TEXT NOT NULL, released TEXT, created TEXT NOT NULL
    )""",
    "CREATE INDEX holds_client ON holds(client_id)",
    "CREATE TABLE ledger (client_id TEXT PRIMARY KEY, destroyed TEXT NOT NULL)",
]

# Migration 5: anonymised case exports (TB 2.16, CSR 6.9). The placeholder numbers given to
# people and organisations of a client, by an HMAC tag (no names), so that later exports of
# the same client call the same person by the same placeholder.
_V5 = [
    """CREATE TABLE pseudonyms (
        client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        tag TEXT NOT NULL, kind TEXT NOT NULL, number INTEGER NOT NULL,
        PRIMARY KEY (client_id, tag)
    )""",
]

# Migration 6: colleagues' public identities for handover (TB 2.28): an age recipient, and
# for colleagues who use dossier an Ed25519 key that signs their bundles.
_V6 = [
    """CREATE TABLE contacts (
        n INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        age TEXT NOT NULL UNIQUE, ed25519 TEXT, fingerprint TEXT NOT NULL, added TEXT NOT NULL
    )""",
]

# Migration 7: where a client handed over by a colleague came from (TB 2.28): the sender, the
# bundle (SHA-256 of its signed manifest), the reason, and on which ground the sender gave it.
_V7 = [
    """CREATE TABLE provenance (
        n INTEGER PRIMARY KEY, client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        kind TEXT NOT NULL, sender TEXT NOT NULL, contact TEXT NOT NULL, fingerprint TEXT NOT NULL,
        sent TEXT NOT NULL, received TEXT NOT NULL, reason TEXT NOT NULL, consent TEXT,
        without_consent_reason TEXT, bundle TEXT NOT NULL, created TEXT NOT NULL
    )""",
    "CREATE INDEX provenance_client ON provenance(client_id)",
]

MIGRATIONS: list[list[str]] = [_V1, _V2, _V3, _V4, _V5, _V6, _V7]
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(db) -> int:
    if db.one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'") is None:
        return 0
    row = db.one("SELECT value FROM meta WHERE key = 'schema_version'")
    return int(row[0]) if row else 0


def client_tables(db) -> tuple[str, ...]:
    """The tables that hold a client's rows: every table whose foreign key points at
    ``clients`` (each deletes with its client). Derived from the schema, so a table added by
    a later migration is counted, checked and destroyed without a list to keep by hand."""
    names = [r[0] for r in db.all("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid")]
    return tuple(t for t in names if t != "clients"
                 and any(fk[2] == "clients" for fk in db.all(f"PRAGMA foreign_key_list({t})")))


def migrate(db, upto: int = SCHEMA_VERSION) -> list[int]:
    """Bring the schema to version ``upto``; each step in its own transaction. Returns the steps run."""
    ran = []
    current = schema_version(db)
    if current > SCHEMA_VERSION:
        raise VaultDamaged(f"this vault has schema version {current}, newer than this dossier ({SCHEMA_VERSION})",
                           "upgrade dossier to open it")
    for version in range(current + 1, upto + 1):
        with db.write():
            for statement in MIGRATIONS[version - 1]:
                db.execute(statement)
            db.set_meta("schema_version", str(version))
        ran.append(version)
    return ran
