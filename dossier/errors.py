"""Every failure a user can cause, as a named exception with a one-line docstring.

The CLI turns a :class:`DossierError` into ``dossier: error: <message>`` (plus a
``dossier: hint: …`` line where there is a next step) and exits with ``exit_code``.
Messages never contain a passphrase, a key or a recovery key.

Exit codes (documented in docs/security.md):
  1 invalid input or a failed operation; 2 command-line usage; 3 wrong passphrase or
  recovery key; 4 vault missing or already there; 5 vault damaged or its key-slot file does
  not match; 6 the vault is older than its mirror (rollback) and refuses to write.
"""


class DossierError(Exception):
    """Something a user can cause and fix; the root of all dossier errors."""

    exit_code = 1
    hint: str | None = None

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        if hint is not None:
            self.hint = hint


class InvalidInput(DossierError):
    """A field holds a value the record cannot take."""

    def __init__(self, field: str, value: object, reason: str, hint: str | None = None):
        self.field, self.value, self.reason = field, value, reason
        if isinstance(value, str) and len(value) > 60:
            value = value[:57] + "..."
        shown = repr(value)
        super().__init__(f"{field}: {shown[:80]} {reason}", hint)


class UsageError(DossierError):
    """Options that contradict each other or are missing."""

    exit_code = 2


class NotFound(DossierError):
    """No client, session or attachment matches what was asked for."""


class Ambiguous(DossierError):
    """A name or id prefix matches more than one client."""

    def __init__(self, query: str, candidates: list[tuple[str, str]], what: str = "clients"):
        self.candidates = candidates
        listing = "; ".join(f"{cid[:8]} {name}" for cid, name in candidates)
        super().__init__(
            f"{query!r} matches {len(candidates)} {what}: {listing}",
            "give more of the id (the first 8 characters are shown)",
        )


class Refused(DossierError):
    """The codes of conduct do not allow this as things stand (no consent, a blocked report,
    the coach's findings, a request already decided)."""

    exit_code = 7


class FileProblem(DossierError):
    """A file to read or write cannot be used (missing, a folder, exists already)."""


class WeakPassphrase(DossierError):
    """The new passphrase is too easy to guess."""


class NoPassphrase(DossierError):
    """No passphrase could be obtained (no terminal, no DOSSIER_PASSPHRASE, passcommand failed)."""

    exit_code = 3


class WrongPassphrase(DossierError):
    """The passphrase or recovery key does not open this vault."""

    exit_code = 3


class VaultMissing(DossierError):
    """There is no vault at this place."""

    exit_code = 4


class VaultExists(DossierError):
    """A vault already exists at this place."""

    exit_code = 4


class VaultDamaged(DossierError):
    """The vault's files are damaged or do not belong together."""

    exit_code = 5


class RollbackDetected(DossierError):
    """The vault is older than its mirror: restored from an old copy or a stale WAL."""

    exit_code = 6


class NoBackupFolder(UsageError):
    """No backup folder was given and none is remembered."""


class BackupDamaged(VaultDamaged):
    """A backup's files do not match its manifest (corrupted, incomplete or changed)."""


class BackupTooNew(DossierError):
    """The backup was made by a newer version of dossier than this one."""


class DestroyUnfinished(DossierError):
    """The dossiers were destroyed, but a step after the deletion failed (a new key, erasing files)."""

    def __init__(self, message: str, hint: str | None = None, done: list | None = None):
        super().__init__(message, hint)
        self.done = done or []  # what was destroyed


class BundleDamaged(VaultDamaged):
    """A handover bundle is cut off, changed, or breaks the bundle format."""


class BundleUntrusted(Refused):
    """A handover bundle is not for this vault, or its signature is unknown or not valid."""


class BundleTooNew(DossierError):
    """The handover bundle was made by a newer version of dossier than this one."""


class EditorFailed(DossierError):
    """The editor could not be started or did not exit cleanly; nothing was saved."""


class MissingComponent(DossierError):
    """A package that dossier needs for this command is missing or broken (reinstall dossier)."""
