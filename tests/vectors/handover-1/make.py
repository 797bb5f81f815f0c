"""Regenerate the handover test vector (fictional data only): python tests/vectors/handover-1/make.py

Writes, beside this script:
  bundle.age     a dossier-handover/1 bundle with two fictional clients of examples/praktijk.json,
                 one with a small attachment, encrypted to recipient.key;
  recipient.key  the recipient's age secret key (a TEST key: it protects nothing real);
  sender.json    the sender's public identity (age key, Ed25519 key, fingerprint);
  expected.json  what a reader must find: the bundle id, the clients, the members.
The sender's private keys are thrown away.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))

from dossier import crypto, handover  # noqa: E402
from dossier.handover import identity  # noqa: E402
from dossier.records.document import import_document  # noqa: E402
from dossier.practice import set_practice  # noqa: E402
from dossier.records.attachments import attach  # noqa: E402
from dossier.records import consents as consent  # noqa: E402
from dossier.vault import Vault  # noqa: E402

PASS = "correct horse battery staple"


def main() -> None:
    from dossier.handover import agefile

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        os.environ["XDG_CONFIG_HOME"] = str(tmp / "config")
        example = json.loads((ROOT / "examples" / "praktijk.json").read_text(encoding="utf-8"))
        example["clients"] = [c for c in example["clients"] if c["last_name"] in ("Dijkstra", "de Vries")]
        sender, _ = Vault.create(tmp / "a", PASS, crypto.KdfParams.TEST_ONLY_MINIMUM)
        import_document(sender, example)
        set_practice(sender, {"coach": "Anna Voorbeeld", "practice": "Praktijk Voorbeeld (fictief)"})
        noelle, sem = (c["id"] for c in example["clients"])
        note = tmp / "intakeverslag.txt"
        note.write_text("Fictief intakeverslag voor de testvector.\n", encoding="utf-8")
        attach(sender, noelle, note, "other")
        consent.grant(sender, noelle, "substitute", how="written")
        key = agefile.generate_identity()
        age = agefile.recipient_of(key)
        identity.add_contact(sender, "Bert Opvolger", age=age)
        result = handover.create(sender, "Bert Opvolger", tmp / "bundle.age", clients=[noelle, sem],
                                 without_consent_reason="fictieve testvector")
        identity.export_public(sender, HERE / "sender.json", overwrite=True)
        sender.close()
        (HERE / "bundle.age").write_bytes((tmp / "bundle.age").read_bytes())
        (HERE / "recipient.key").write_text(f"# TEST KEY for the dossier handover test vector; protects nothing real\n"
                                            f"# public key: {age}\n{key}\n")
        expected = {"bundle": result["bundle"], "recipient": age,
                    "clients": [{"id": c["id"], "name": c["name"]} for c in result["clients"]]}
        (HERE / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=2) + "\n")
    print(f"bundle {result['bundle'][:16]} with {len(result['clients'])} clients written to {HERE}")


if __name__ == "__main__":
    main()
