"""Run the dossier CLI with one function replaced by a SIGKILL of the process itself, so that
a test can stop a command at an exact step: ``python tests/killat.py MODULE.ATTR[.ATTR] ARGS...``."""

import importlib
import os
import signal
import sys


def main() -> None:
    target, args = sys.argv[1], sys.argv[2:]
    parts = target.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            owner = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:-1]:
            owner = getattr(owner, name)
        break
    getattr(owner, parts[-1])  # the step exists

    def die(*_a, **_k):
        os.kill(os.getpid(), signal.SIGKILL)

    setattr(owner, parts[-1], die)
    from dossier.cli import main as cli

    sys.argv = ["dossier", *args]
    cli()


if __name__ == "__main__":
    main()
