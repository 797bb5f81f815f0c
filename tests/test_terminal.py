"""The hidden prompt in a real terminal (a pseudo-terminal): typed passphrases are not echoed."""

from __future__ import annotations

import os
import select
import signal
import sys
import time

import pytest

pty = pytest.importorskip("pty")  # POSIX only; Windows has no pty module

PASSPHRASE = "zeven blauwe kwallen dansen"


def _run_in_pty(args: list[str], answers: list[str], env: dict, timeout: float = 60) -> str:
    """Run ``python -m dossier ARGS`` on a pseudo-terminal, answering each prompt in turn."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: become the program
        os.execve(sys.executable, [sys.executable, "-m", "dossier", *args], env)
    out, pending, deadline = b"", list(answers), time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not select.select([fd], [], [], 1)[0]:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
        if pending and out.endswith(b": "):
            # click prints "Label:" and getpass prints the " " once echo is off: answer then
            # (typing earlier would be flushed away, as it would be for a person).
            os.write(fd, (pending.pop(0) + "\n").encode())
    else:  # never hang the test run: a program still waiting at the deadline is stopped
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    os.close(fd)
    return out.decode("utf-8", errors="replace")


def test_init_asks_twice_without_echo_and_then_unlocks(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOSSIER_")}
    env.update(XDG_CONFIG_HOME=str(tmp_path / "cfg"), TERM="dumb", COLUMNS="100")
    vault = str(tmp_path / "v")
    screen = _run_in_pty(["--vault", vault, "init"], [PASSPHRASE, PASSPHRASE], env)
    assert screen.count("New passphrase") == 1 and "Repeat for confirmation" in screen
    assert PASSPHRASE not in screen  # never echoed
    assert "Recovery key" in screen
    screen = _run_in_pty(["--vault", vault, "client", "list", "--json"], [PASSPHRASE], env)
    assert "Passphrase:" in screen and PASSPHRASE not in screen and "[]" in screen
