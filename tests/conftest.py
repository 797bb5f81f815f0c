"""Shared fixtures: real SQLCipher vaults in tmp_path with the cheapest KDF, and ways to run the CLI
as a user does (typer's CliRunner in-process, and a real subprocess)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dossier import crypto
from dossier.cli import app
from dossier.records.document import export_document
from dossier.vault import Vault

PASSPHRASE = "correct horse battery staple"
# The standard age tool (and age-keygen) checks interop where it is installed; pyrage, an
# independent implementation, checks dossier's age code in every run. .ci/run installs age and
# sets DOSSIER_REQUIRE_AGE=1, which turns a missing tool into a failure.
REQUIRE_AGE = os.environ.get("DOSSIER_REQUIRE_AGE") == "1"
AGE_NOT_RUN: list[str] = []  # the interop checks left out in this run, for the summary line
ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "praktijk.json"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Each test gets its own config and data folders (the rollback mirror lives in config)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for var in ("DOSSIER_PASSPHRASE", "DOSSIER_PASSCOMMAND", "DOSSIER_VAULT", "DOSSIER_NEW_PASSPHRASE",
                "DOSSIER_RECOVERY_KEY", "DOSSIER_SUCCESSOR_SHARES", "EDITOR", "VISUAL"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def vault_path(tmp_path) -> Path:
    return tmp_path / "vault"


def make_vault(path: Path, **kw) -> tuple[Vault, str]:
    return Vault.create(path, PASSPHRASE, crypto.KdfParams.TEST_ONLY_MINIMUM, **kw)


@pytest.fixture
def vault(vault_path):
    v, _ = make_vault(vault_path)
    yield v
    v.close()


@pytest.fixture
def example() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


@pytest.fixture
def practice(vault_path, example):
    """A closed vault holding the fictional example practice; yields its path."""
    from dossier.records.document import import_document

    v, _ = make_vault(vault_path)
    import_document(v, example)
    v.close()
    return vault_path


class Invoker:
    """Run the CLI in-process with CliRunner; stdout and stderr are kept apart."""

    def __init__(self, vault_path: Path):
        self.vault_path = vault_path
        self.runner = CliRunner()

    def __call__(self, *args, passphrase: str | None = PASSPHRASE, input: str | None = None, env=None):
        environ = dict(env or {})
        if passphrase is not None:
            environ["DOSSIER_PASSPHRASE"] = passphrase
        return self.runner.invoke(app, ["--vault", str(self.vault_path), *map(str, args)], input=input, env=environ)


@pytest.fixture
def dossier(vault_path) -> Invoker:
    return Invoker(vault_path)


def run(*args, vault: Path | None = None, passphrase: str | None = PASSPHRASE, env=None, input: str | None = None,
        timeout: int = 120, file_size_limit: int | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m dossier`` as a real subprocess, as a user would. ``file_size_limit``
    makes every write beyond that many bytes of a file fail (EFBIG), as a full disk would."""
    import resource

    environ = {k: v for k, v in os.environ.items() if not k.startswith("DOSSIER_")}
    if passphrase is not None:
        environ["DOSSIER_PASSPHRASE"] = passphrase
    environ.update(env or {})
    cmd = [sys.executable, "-m", "dossier"] + (["--vault", str(vault)] if vault else []) + list(map(str, args))
    limit = None if file_size_limit is None else (
        lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit)))
    return subprocess.run(cmd, capture_output=True, text=True, env=environ, input=input, timeout=timeout,
                          preexec_fn=limit)


def age_cli(tool: str, *args, input: bytes | None = None, check: bool = False):
    """Run the standard ``age`` (or ``age-keygen``) tool; None when it is not installed (the
    check is counted and named in the run's last lines), a failure under DOSSIER_REQUIRE_AGE=1."""
    if shutil.which(tool) is None:
        if REQUIRE_AGE:
            pytest.fail(f"DOSSIER_REQUIRE_AGE=1, but the {tool} tool is not installed")
        AGE_NOT_RUN.append(os.environ.get("PYTEST_CURRENT_TEST", "?").split(" ")[0])
        return None
    return subprocess.run([tool, *map(str, args)], input=input, capture_output=True, timeout=60, check=check)


def pytest_terminal_summary(terminalreporter):
    if AGE_NOT_RUN:
        terminalreporter.write_line(
            f"age interop: {len(AGE_NOT_RUN)} checks against the standard age tool were not run "
            f"({len(set(AGE_NOT_RUN))} tests; pyrage checked the same files): the age tool is not installed. "
            "Enable them with 'apt install age' or 'brew install age'.", yellow=True)


def vault_bytes(path: Path) -> bytes:
    """The raw bytes of every file in the vault folder."""
    return b"".join(f.read_bytes() for f in sorted(path.iterdir()) if f.is_file())


def state(path):
    """Everything a command could have changed: the whole export and the non-unlock audit actions."""
    with Vault.open(path, PASSPHRASE) as v:
        return export_document(v), [e.action for e in v.audit_entries() if not e.action.startswith("unlock")]


def assert_error(result, code, *fragments: str):
    """One clean error line (plus hints and warnings), the exit code (or one of a set), no traceback."""
    assert result.exit_code in ({code} if isinstance(code, int) else set(code)), (result.stdout, result.stderr)
    # a prompt answered by input (or by its end) shares its line with what follows
    lines = [re.sub(r"^(Passphrase|Type the client's name[^:]*\)|Write this case\? \[y/N\]):\s*", "", line) for line in result.stderr.splitlines()]
    lines = [line for line in lines if line.strip()]
    assert [line.startswith("dossier: error: ") for line in lines].count(True) == 1, result.stderr
    assert all(line.startswith(("dossier: error: ", "dossier: hint: ", "dossier: warning: ")) for line in lines), \
        result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for f in fragments:
        assert f in result.stderr, (f, result.stderr)


def backup_contents(backup: Path, vault_path: Path, passphrase: str = PASSPHRASE, **kw) -> dict:
    """{"clients", "ledger"} of a backup's manifest, opened with the vault's auth key (the
    manifest keeps them sealed)."""
    import json

    from dossier.retention.backups import open_contents

    with Vault.open(vault_path, passphrase, **kw) as v:
        keys = v.auth_keys
    return open_contents(json.loads((Path(backup) / "manifest.json").read_text()), keys)


def ledger_file_entries(vault_path: Path, passphrase: str = PASSPHRASE) -> list[dict]:
    """The entries of the ledger file beside the vault's mirror (sealed under its auth key)."""
    import json

    from dossier.vault import ledger

    with Vault.open(vault_path, passphrase) as v:
        keys, vault_id = v.auth_keys, v.vault_id
    return ledger._open_file(json.loads(ledger.ledger_file(vault_id).read_text()), keys)
