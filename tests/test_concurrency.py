"""A second terminal never loses a write (CSR 5.4, TB 2.13-2.15): writers in other processes
run while `destroy run --due --yes` destroys clients one after another (each a re-encryption of
the whole database under a new key). Every write that said "saved" is in the vault afterwards,
nothing cries rollback, nothing is damaged."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time

import pytest

from conftest import PASSPHRASE
from dossier.vault import Vault

TRIALS = int(os.environ.get("DOSSIER_CONCURRENCY_TRIALS", "20"))


def _writer(vault_path: str, config: str, client_id: str, stop_at: float, out) -> None:
    """Add sessions to one client until ``stop_at``; report (saved ids, refusals)."""
    os.environ["XDG_CONFIG_HOME"] = config
    from dossier.errors import DossierError
    from dossier.records.sessions import add_session

    saved, refused = [], []
    with Vault.open(vault_path, PASSPHRASE) as v:
        while time.time() < stop_at:
            try:
                saved.append(add_session(v, client_id, None, 30, f"notitie {len(saved)}", ""))
            except DossierError as e:
                refused.append(str(e))
            time.sleep(0.01)
    out.put((saved, refused))


@pytest.mark.parametrize("trial", range(TRIALS))
def test_two_writers_during_destructions_lose_nothing(practice, tmp_path, trial):
    from dossier.records.clients import list_clients
    from dossier.retention.destructions import request

    work, config = practice, os.environ["XDG_CONFIG_HOME"]  # (the rollback mirror's folder, per test)
    with Vault.open(work, PASSPHRASE) as v:
        ids = [c["id"] for c in list_clients(v.db)]
        doomed, writers = ids[:3], ids[3:5]
        for cid in doomed:
            request(v, cid, None)
    env = {k: val for k, val in os.environ.items() if not k.startswith("DOSSIER_")}
    env.update(DOSSIER_PASSPHRASE=PASSPHRASE, XDG_CONFIG_HOME=str(config))
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    stop_at = time.time() + 6
    procs = [ctx.Process(target=_writer, args=(str(work), str(config), cid, stop_at, results)) for cid in writers]
    for p in procs:
        p.start()
    time.sleep(1.0 + 0.1 * (trial % 5))  # the writers are unlocked and writing
    for cid in doomed:  # several destructions in a row, each its own re-encryption
        done = subprocess.run([sys.executable, "-m", "dossier", "--vault", str(work), "destroy", "run", cid, "--yes",
                               "--out", str(tmp_path)], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    reports = [results.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    saved = [sid for ids_, _ in reports for sid in ids_]
    refused = [r for _, rs in reports for r in rs]
    assert saved and not refused, refused
    with Vault.open(work, PASSPHRASE) as v:
        assert v.rollback is None and v.verify() == []
        found = {r[0] for r in v.db.all("SELECT id FROM sessions")}
        assert [s for s in saved if s not in found] == []  # zero lost writes
        assert all(v.db.one("SELECT 1 FROM clients WHERE id = ?", (cid,)) is None for cid in doomed)


EDITOR = r"""
import pathlib, sys, time
note, flag = pathlib.Path(sys.argv[-1]), pathlib.Path(sys.argv[1])
pathlib.Path(sys.argv[2]).write_text("editing")  # the coach is typing
while not flag.exists():
    time.sleep(0.05)
text = note.read_text(encoding="utf-8")
note.write_text(text.replace("# Schrijf hieronder", "Gesprek tijdens de vernietiging.\n# Schrijf hieronder", 1),
                encoding="utf-8")
"""


def test_a_session_waiting_in_the_editor_is_saved_after_a_destruction_in_another_terminal(practice, tmp_path):
    """`session add` has the editor open in one window while `destroy run --due --yes` runs in
    another (re-encrypting the database and changing the master key): when the coach saves,
    the session lands in the vault, and nothing cries rollback."""
    from dossier.records.clients import list_clients
    from dossier.retention.destructions import request

    with Vault.open(practice, PASSPHRASE) as v:
        ids = [c["id"] for c in list_clients(v.db)]
        request(v, ids[0], None)
    editor, flag, editing = tmp_path / "editor.py", tmp_path / "saved", tmp_path / "editing"
    editor.write_text(EDITOR, encoding="utf-8")
    env = {k: val for k, val in os.environ.items() if not k.startswith("DOSSIER_")}
    env.update(DOSSIER_PASSPHRASE=PASSPHRASE, EDITOR=f"{sys.executable} {editor} {flag} {editing}")
    coach = subprocess.Popen([sys.executable, "-m", "dossier", "--vault", str(practice), "session", "add", ids[1]],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(600):
        if editing.exists():
            break
        time.sleep(0.05)
    assert editing.exists(), coach.stderr.read() if coach.poll() is not None else "the editor did not start"
    script = subprocess.run([sys.executable, "-m", "dossier", "--vault", str(practice), "destroy", "run", "--due",
                             "--yes", "--out", str(tmp_path)], env=env, capture_output=True, text=True, timeout=120)
    assert script.returncode == 0, script.stderr
    flag.write_text("save")
    out, err = coach.communicate(timeout=120)
    assert coach.returncode == 0 and "saved" in err, err
    with Vault.open(practice, PASSPHRASE) as v:
        assert v.rollback is None and v.verify() == []
        notes = [r[0] for r in v.db.all("SELECT notes FROM sessions WHERE client_id = ?", (ids[1],))]
        assert "Gesprek tijdens de vernietiging." in notes
        assert v.db.one("SELECT count(*) FROM clients WHERE id = ?", (ids[0],))[0] == 0
