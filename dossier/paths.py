"""Where things live: the vault folder, the mirror of the audit head, private temp folders.

The vault defaults to the platform's user data directory (platformdirs) unless ``--vault``
or ``DOSSIER_VAULT`` says otherwise. Folders the program creates are 0700 (TB 2.13: records
kept so that confidentiality is guaranteed).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import unicodedata
from pathlib import Path

from dossier.errors import FileProblem

APP = "dossier"



# Flags that exist on one platform only: binary mode (Windows; without it a write of bytes
# through os.open translates newlines and corrupts an attachment), and no following of a
# symbolic link at the last part of a path (POSIX; Windows has no such links by default).
BINARY = getattr(os, "O_BINARY", 0)
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)

def default_vault() -> Path:
    env = os.environ.get("DOSSIER_VAULT")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP, appauthor=False)) / "vault"


def mirror_dir() -> Path:
    """The folder outside every vault that keeps each vault's audit head (rollback guard)."""
    import platformdirs

    return Path(platformdirs.user_config_dir(APP, appauthor=False)) / "mirrors"


def make_private_dir(path: Path) -> Path:
    """Create ``path`` with mode 0700, and every missing folder above it 0700 too, whatever
    the umask (``mkdir(parents=True)`` makes the parents with the umask's mode: under
    ``umask 0000`` they came out 0777). The last part is made 0700 even when it existed."""
    path = Path(path)
    missing = [d for d in (path, *path.parents) if not d.exists()]
    for d in reversed(missing):
        with contextlib.suppress(FileExistsError):  # (made by another process meanwhile)
            d.mkdir(mode=0o700)
        with contextlib.suppress(OSError):  # chmod is a no-op on Windows folders (the user's profile is private)
            os.chmod(d, 0o700)
    if not path.is_dir():
        path.mkdir(mode=0o700)  # (a file there: FileExistsError, as before)
    with contextlib.suppress(OSError):
        os.chmod(path, 0o700)
    return path


def _ram_backed_base() -> str | None:
    """/dev/shm where there is one (Linux: RAM); else a private folder in the user's cache
    (macOS ~/Library/Caches/dossier/private, Windows %LOCALAPPDATA%\\dossier\\Cache\\private:
    in the user's profile, which only they can read), not the shared system temp folder."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK):
        return str(shm)
    import platformdirs

    try:
        return str(make_private_dir(Path(platformdirs.user_cache_dir(APP, appauthor=False)) / "private"))
    except OSError:
        return None


@contextlib.contextmanager
def private_tempdir():
    """A 0700 temporary folder, on RAM (/dev/shm) where there is one, removed afterwards.

    Files inside are overwritten with zeros before the folder is removed, whatever happens.
    """
    path = Path(tempfile.mkdtemp(prefix="dossier-", dir=_ram_backed_base()))
    try:
        os.chmod(path, 0o700)
        yield path
    finally:
        for f in path.rglob("*"):
            with contextlib.suppress(OSError):
                if f.is_file() and not f.is_symlink():
                    size = f.stat().st_size
                    with open(f, "r+b") as fh:
                        fh.write(b"\0" * size)
        shutil.rmtree(path, ignore_errors=True)


def read_user_file(path: Path, max_bytes: int | None = None) -> bytes:
    """The bytes of a file the coach named; missing, a folder, too large or unreadable: FileProblem."""
    path = Path(path)
    if not path.exists():
        raise FileProblem(f"{path}: no such file")
    if path.is_dir():
        raise FileProblem(f"{path}: is a folder, not a file")
    try:
        if max_bytes is not None and path.stat().st_size > max_bytes:
            raise FileProblem(f"{path}: {path.stat().st_size} bytes is over the {max_bytes // 2**20} MiB limit")
        return path.read_bytes()
    except OSError as e:
        raise FileProblem(f"{path}: cannot read ({e.strerror})") from None


def read_user_text(path: Path) -> str:
    """A UTF-8 text file the coach named."""
    try:
        return read_user_file(path).decode("utf-8")
    except UnicodeDecodeError:
        raise FileProblem(f"{path}: is not UTF-8 text") from None


def write_private_file(path: Path, data: bytes, overwrite: bool = False) -> None:
    """Create ``path`` with mode 0600 (O_CREAT|O_EXCL), never chmod after.

    With ``overwrite`` an existing file is replaced by a new 0600 file (it does not keep the
    old file's mode).
    """
    if path.is_dir():
        raise FileProblem(f"{path}: is a folder, not a file")
    if overwrite and path.exists():
        return replace_private_file(path, data)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | BINARY, 0o600)
    except FileExistsError:
        raise FileProblem(f"{path}: exists already", "choose another name or pass --force") from None
    except OSError as e:
        raise FileProblem(f"{path}: cannot write ({e.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    except BaseException as e:  # disk full, interrupted: leave no partial copy of client data
        with contextlib.suppress(OSError):
            path.unlink()
        if isinstance(e, OSError):
            raise FileProblem(f"{path}: cannot write ({e.strerror}); nothing was written") from None
        raise


def replace_private_file(path: Path, data: bytes) -> None:
    """Write ``path`` atomically (temp file in the same folder, fsync, rename), mode 0600."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    write_private_file(tmp, data)
    try:
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as e:
            raise FileProblem(f"{path}: cannot write ({e.strerror or 'error'}); nothing was written") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()  # gone already after a successful rename


def overwrite(fh) -> None:
    """Overwrite an open file's bytes with random bytes where they lie, and sync (a key-slot
    file that is being replaced, CSR 5.4: freed blocks do not keep an old wrapped key)."""
    size = fh.seek(0, os.SEEK_END)
    fh.seek(0)
    fh.write(os.urandom(size))
    fh.flush()
    os.fsync(fh.fileno())


def fsync(path: Path) -> None:
    """Flush a file's bytes to the disk."""
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def fsync_dir(path: Path) -> None:
    """Flush a folder's entries (a rename) to the disk; not possible on Windows, where the
    rename is still atomic."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def slug(first: str, last: str = "") -> str:
    """``Noëlle Dijkstra`` -> ``noelle-dijkstra``: a file name part in plain ASCII."""
    folded = unicodedata.normalize("NFKD", f"{first} {last}").encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-") or "client"


def check_new_folder(path: Path, why: str, hint: str) -> None:
    """FileProblem unless ``path`` is absent or an empty folder (``why`` says what it is for)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise FileProblem(f"{path}: is a file, not a folder")
    if path.is_dir() and any(path.iterdir()):
        raise FileProblem(f"{path}: the folder is not empty; {why}", hint)


def check_out_folder(path: Path) -> Path:
    """A folder to write files into: FileProblem when it is a file."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise FileProblem(f"{path}: is a file, not a folder")
    return path


def refuse_existing(files) -> None:
    """FileProblem naming the first of these paths that exists (checked before any is written)."""
    for path in files:
        if Path(path).exists():
            raise FileProblem(f"{path}: exists already", "choose another folder or pass --force")


@contextlib.contextmanager
def all_or_nothing(files: dict[Path, bytes], overwrite: bool = False, make_folders: bool = True):
    """Write these files (0600), creating their missing folders (0700) unless not
    ``make_folders``, then run the body;
    when a write or the body fails, every file written and folder made is removed again.
    Existing files are refused unless ``overwrite`` (checked for all before any is written).
    Used for the client copy, the report's objection letter and the destruction letters."""
    if not overwrite:
        refuse_existing(files)
    made: list[Path] = []
    for folder in dict.fromkeys(p.parent for p in files) if make_folders else ():
        missing = [d for d in (folder, *folder.parents) if not d.exists()]
        for d in reversed(missing):
            make_private_dir(d)
            made.append(d)
    written: list[Path] = []
    try:
        for path, data in files.items():
            write_private_file(path, data, overwrite=overwrite)
            written.append(path)
        yield [*files]
    except BaseException:  # nothing half-done: no files without what they stand for
        for path in written:
            with contextlib.suppress(OSError):
                path.unlink()
        for d in reversed(made):
            with contextlib.suppress(OSError):
                d.rmdir()
        raise
