"""Where things live: the vault folder, the mirror of the audit head, private temp folders.

The vault defaults to the platform's user data directory (platformdirs) unless ``--vault``
or ``DOSSIER_VAULT`` says otherwise. Folders the program creates are 0700 (TB 2.13: records
kept so that confidentiality is guaranteed).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

APP = "dossier"


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
    """Create ``path`` (and parents) with mode 0700 for the last part."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(OSError):  # chmod is a no-op on Windows folders
        os.chmod(path, 0o700)
    return path


def _ram_backed_base() -> str | None:
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK):
        return str(shm)
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


def write_private_file(path: Path, data: bytes, overwrite: bool = False) -> None:
    """Create ``path`` with mode 0600 (O_CREAT|O_EXCL), never chmod after.

    With ``overwrite`` an existing file is replaced by a new 0600 file (it does not keep the
    old file's mode).
    """
    from dossier.errors import FileProblem

    if path.is_dir():
        raise FileProblem(f"{path}: is a folder, not a file")
    if overwrite and path.exists():
        return replace_private_file(path, data)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        raise FileProblem(f"{path}: exists already", "choose another name or pass --force") from None
    except OSError as e:
        raise FileProblem(f"{path}: cannot write ({e.strerror})") from None
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def replace_private_file(path: Path, data: bytes) -> None:
    """Write ``path`` atomically (temp file in the same folder, fsync, rename), mode 0600."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    write_private_file(tmp, data)
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)
