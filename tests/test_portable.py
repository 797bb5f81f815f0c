"""Every call in the package that exists on one platform only, with its fallback elsewhere
(issue 14: most coaches use Windows or macOS, and no such machine runs these tests). A new
POSIX-only call fails this test until it is listed here with what happens on Windows."""

from __future__ import annotations

import ast
import os
import stat
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
POSIX_MODULES = {"fcntl", "pwd", "grp", "termios", "resource", "pty", "tty", "posix"}
POSIX_OS = {"fork", "getuid", "geteuid", "getgid", "link", "chmod", "chown", "killpg", "setsid", "mkfifo", "statvfs",
            "O_NOFOLLOW", "O_DIRECTORY", "O_BINARY", "fdatasync", "getpgid", "umask", "symlink", "sync"}
POSIX_STRINGS = {"/dev/shm", "O_NOFOLLOW", "O_BINARY", "fdatasync"}

# (file, call) -> what happens where it does not exist or does nothing
FALLBACKS = {
    ("dossier/paths.py", "os.chmod"): "Windows: chmod sets only the read-only bit; the folders are made inside the "
                                      "user's profile (platformdirs), which only that user can read",
    ("dossier/paths.py", "'/dev/shm'"): "macOS and Windows have none: the editor's file goes to a 0700 folder in the "
                                        "user's cache (platformdirs), overwritten with zeros before it is removed",
    ("dossier/paths.py", "'O_BINARY'"): "getattr(os, 'O_BINARY', 0): binary mode on Windows, nothing to do on POSIX",
    ("dossier/paths.py", "'O_NOFOLLOW'"): "getattr(os, 'O_NOFOLLOW', 0): Windows has no such links by default",
    ("dossier/handover/create.py", "'fdatasync'"): "getattr(os, 'fdatasync', os.fsync): macOS and Windows fsync",
    ("dossier/handover/create.py", "os.link"): "_place: where hard links fail (FAT, network folders) a check and "
                                               "os.replace",
    ("dossier/retention/backups.py", "os.link"): "a kept attachment file is copied where hard links fail (FAT)",
}


def _calls() -> set[tuple[str, str]]:
    found = set()
    for f in sorted((ROOT / "dossier").rglob("*.py")):
        rel = f.relative_to(ROOT).as_posix()
        for n in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "os" \
                    and n.attr in POSIX_OS:
                found.add((rel, f"os.{n.attr}"))
            elif isinstance(n, ast.Import):
                found |= {(rel, f"import {a.name}") for a in n.names if a.name.split(".")[0] in POSIX_MODULES}
            elif isinstance(n, ast.ImportFrom) and (n.module or "").split(".")[0] in POSIX_MODULES:
                found.add((rel, f"import {n.module}"))
            elif isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in POSIX_STRINGS:
                found.add((rel, repr(n.value)))
            elif isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "signal" \
                    and n.attr.startswith("SIG") and n.attr not in ("SIGINT", "SIG_DFL", "SIG_IGN"):
                found.add((rel, f"signal.{n.attr}"))
    return found


def test_every_posix_only_call_has_a_fallback():
    calls = _calls()
    assert calls - set(FALLBACKS) == set(), "a POSIX-only call without a listed fallback (add it to FALLBACKS)"
    assert set(FALLBACKS) - calls == set(), "FALLBACKS lists a call that is no longer there"


def test_every_binary_file_is_opened_in_binary_mode():
    """os.open of a file that gets bytes carries paths.BINARY (O_BINARY on Windows: without it
    the C runtime translates newlines and corrupts attachments and bundles)."""
    for f in sorted((ROOT / "dossier").rglob("*.py")):
        for n in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "open" \
                    and isinstance(n.func.value, ast.Name) and n.func.value.id == "os":
                flags = ast.unparse(n.args[1]) if len(n.args) > 1 else ""
                if "O_RDONLY" in flags and flags.strip() == "os.O_RDONLY":
                    continue  # a folder opened to fsync it
                assert "BINARY" in flags, f"{f.relative_to(ROOT)}:{n.lineno}: os.open without paths.BINARY"


@pytest.mark.skipif(os.name != "posix", reason="umask is POSIX")
def test_folders_dossier_makes_are_private_whatever_the_umask(tmp_path):
    from dossier import paths

    old = os.umask(0)
    try:
        paths.make_private_dir(tmp_path / "a" / "b" / "c")
    finally:
        os.umask(old)
    for d in (tmp_path / "a", tmp_path / "a" / "b", tmp_path / "a" / "b" / "c"):
        assert stat.S_IMODE(d.stat().st_mode) == 0o700, d


def test_a_bundle_is_placed_where_there_are_no_hard_links(tmp_path, monkeypatch):
    import importlib

    create = importlib.import_module("dossier.handover.create")

    def no_links(*_):
        raise PermissionError(1, "Operation not permitted")

    partial, out = tmp_path / ".bundle.partial", tmp_path / "bundle.age"
    partial.write_bytes(b"age")
    monkeypatch.setattr(os, "link", no_links)
    create._place(partial, out)
    assert out.read_bytes() == b"age" and not partial.exists()
    partial.write_bytes(b"other")
    with pytest.raises(FileExistsError):
        create._place(partial, out)
    assert out.read_bytes() == b"age"


def test_what_an_older_dossier_killed_in_a_rotation_left_is_removed_at_the_next_open(vault_path):
    """vault.db.next and its journal (left for good by a killed rekey of an older dossier)."""
    from conftest import PASSPHRASE, make_vault
    from dossier.vault import Vault

    make_vault(vault_path)[0].close()
    for name in ("vault.db.next", "vault.db.next-journal", "vault.db.next-wal"):
        (vault_path / name).write_bytes(b"left behind")
    Vault.open(vault_path, PASSPHRASE).close()
    assert sorted(p.name for p in vault_path.iterdir()) == [".rotation.lock", "keyslots.json", "vault.db"]


def test_an_attachment_file_without_a_row_is_reported_and_swept_once_it_is_old(practice, dossier):
    """A file in blobs/ that no row refers to (a killed import): verify names it; a command
    removes it once it is an hour old (a younger one may be another process's write under way)."""
    import time
    import uuid

    stray = practice / "blobs" / str(uuid.uuid4())
    stray.parent.mkdir(exist_ok=True)
    stray.write_bytes(b"\x02" + b"x" * 100)
    r = dossier("verify")
    assert r.exit_code == 0 and "1 attachment file(s) without a row" in r.stderr, r.stderr
    assert stray.exists()  # young: left alone
    old = time.time() - 7200
    os.utime(stray, (old, old))
    assert dossier("client", "list").exit_code == 0
    assert not stray.exists()


@pytest.mark.parametrize("value, windows, expected", [
    ('"C:\\Program Files\\Notepad++\\notepad++.exe" -multiInst', True,
     ["C:\\Program Files\\Notepad++\\notepad++.exe", "-multiInst"]),
    ("notepad", True, ["notepad"]),
    ('code --wait', False, ["code", "--wait"]),
    ("'/Applications/My Editor.app/Contents/MacOS/edit' -w", False, ["/Applications/My Editor.app/Contents/MacOS/edit", "-w"]),
])
def test_editor_values_are_split_as_the_platforms_shell_would(value, windows, expected):
    from dossier.cli.editor import split_command

    assert split_command(value, windows=windows) == expected


def test_an_editor_that_returns_at_once_is_explained_not_taken_for_an_empty_note(practice, dossier):
    import sys

    r = dossier("session", "add", "noelle", env={"EDITOR": f"{sys.executable} -c pass"})
    assert r.exit_code != 0 and "returned at once without a change" in r.stderr and "--wait" in r.stderr, r.stderr


def test_without_a_ram_folder_the_editors_file_is_in_the_users_cache(tmp_path, monkeypatch):
    from dossier import paths

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if str(p) == "/dev/shm" else real_access(p, mode))
    with paths.private_tempdir() as folder:
        assert folder.parent == tmp_path / "cache" / "dossier" / "private"
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert stat.S_IMODE(folder.parent.stat().st_mode) == 0o700
        (folder / "sessie.txt").write_text("geheim")
    assert not folder.exists()
