"""The client copy (inzage en afschrift; CSR 5.1-5.2, GDPR Art. 15 and 20).

``make_copy`` writes, for one client only, a PDF written for the client, the same content as
``dossier/1`` JSON, and on request the attachments as files; all mode 0600, all or nothing.
The copy is logged (date, what, to whom) and fulfils the client's open copy requests, so the
coach can show it was given within the one-month term.
"""

from __future__ import annotations

import base64
import copy as _copy
import re
from pathlib import Path

from dossier import clock, paths
from dossier.format import FORMAT
from dossier.format import fields as F
from dossier.practice import get_practice
from dossier.records.copies import add_copy
from dossier.records.document import document_bytes, load_client
from dossier.records.requests import fulfil_copies
from dossier.render import render_copy

ATTACHMENT_FOLDER = {"nl": "bijlagen", "en": "attachments"}
_PARTICLES = {"van", "de", "der", "den", "het", "ter", "ten", "te", "op", "in", "la", "le", "el", "al", "von", "du"}
_OTHERS = {"nl": ("uw {}", "iemand anders", "de contactpersoon bij de opdrachtgever", "de bedrijfsarts"),
           "en": ("your {}", "someone else", "the contact at the commissioner", "the company doctor")}


def _name_patterns(client: dict, lang: str) -> list[tuple[re.Pattern, str]]:
    """Each third person's full name, and each part of it that is theirs alone, by its label."""
    template, nobody = _OTHERS[lang][:2]
    own = {p.casefold() for p in f"{client['first_name']} {client['last_name']}".split()}
    labels, parts = {}, {}
    for p in client["persons"]:
        label = template.format(p["relation"]) if p["relation"] else nobody
        labels[p["name"]] = label
        for part in p["name"].split():
            if len(part) >= 3 and part.casefold() not in _PARTICLES | own and part[0].isupper():
                parts.setdefault(part, set()).add(label)
    names = [(n, lab, re.IGNORECASE) for n, lab in labels.items()]
    names += [(part, next(iter(labs)), 0) for part, labs in parts.items() if len(labs) == 1 and part not in labels]
    names.sort(key=lambda x: -len(x[0]))  # the full name before its parts
    return [(re.compile(rf"(?<!\w){re.escape(n)}(?!\w)", flags), lab) for n, lab, flags in names]


def anonymise_others(client: dict, lang: str) -> dict:
    """The client with third persons replaced by their relation ("uw leidinggevende"), CSR 5.2.

    Replaced: the names in the persons list, wherever they occur in the dossier's text, and the
    commissioner's contact and company doctor. The client's own name stays.
    """
    out = _copy.deepcopy(client)
    patterns = _name_patterns(client, lang)

    def scrub(text):
        if not isinstance(text, str):
            return text
        for pattern, label in patterns:
            text = pattern.sub(label, text)
        return text

    template, nobody, contact, doctor = _OTHERS[lang]
    out["persons"] = [{"name": template.format(p["relation"]) if p["relation"] else nobody, "relation": p["relation"]}
                      for p in client["persons"]]
    for key, label in (("contact", contact), ("company_doctor", doctor)):
        if out["commissioner"][key]:
            out["commissioner"][key] = label
    out["background"] = scrub(out["background"])
    for group, key in (("assignment", "goal"), ("agreement", "terms")):
        out[group][key] = scrub(out[group][key])
    for lst, keys in (("sessions", ("notes", "findings")), ("statements", ("text",)),
                      ("requests", ("proposed", "reason", "outcome", "old_value", "new_value")),
                      ("disclosures", ("to", "what", "legal_basis", "justification")), ("copies", ("to",))):
        for entry in out[lst]:
            for key in keys:
                entry[key] = scrub(entry[key])
    return out


def make_copy(vault, client_id: str, out_dir: Path, *, lang: str = "nl", others_anonymised: bool = False,
              with_attachments: bool = False, to: str = "", overwrite: bool = False) -> dict:
    """Write the client copy into ``out_dir``; returns the files written and what was logged."""
    F.check_lang(lang)
    to = F.check_line("--to", to) or ("the client" if lang == "en" else "de cliënt")
    out_dir = paths.check_out_folder(out_dir)
    date = clock.today()
    client = load_client(vault.db, client_id, with_attachment_content=with_attachments)
    files = {a["id"]: base64.b64decode(a.pop("content_base64")) for a in client["attachments"] if "content_base64" in a}
    if others_anonymised:
        client = anonymise_others(client, lang)
    practice = get_practice(vault.db)
    pdf = render_copy(client, practice=practice, lang=lang, generated=date, anonymised_others=others_anonymised)
    doc = document_bytes({"format": FORMAT, "clients": [client]})

    stem = f"dossier-{paths.slug(client['first_name'], client['last_name'])}-{date}"
    planned = {out_dir / f"{stem}.pdf": pdf, out_dir / f"{stem}.json": doc}
    folder = out_dir / f"{stem}-{ATTACHMENT_FOLDER[lang]}"
    used: set[str] = set()
    for a in client["attachments"]:
        if a["id"] in files:
            name = a["filename"] if a["filename"] not in used else f"{a['id'][:8]}-{a['filename']}"
            used.add(name)
            planned[folder / name] = files[a["id"]]
    contents = ", ".join(["PDF", "JSON"] + ([f"{len(files)} attachment(s)"] if files else [])) \
        + (", others anonymised" if others_anonymised else "")
    # Nothing half-done: no files without the log entry (a failed commit removes them), no log
    # entry without the files.
    with paths.all_or_nothing(planned, overwrite), vault.write():
        cid = add_copy(vault.db, client_id, date, to, contents, lang)
        fulfilled = fulfil_copies(vault.db, client_id, date)
        vault.log("copy.give", client_id, detail=f"copy {cid}: {contents}")
    return {"id": cid, "files": [str(p) for p in planned], "pdf": str(out_dir / f"{stem}.pdf"),
            "json": str(out_dir / f"{stem}.json"), "attachments": len(files), "fulfilled": fulfilled,
            "practice_missing": not (practice["coach"] and (practice["email"] or practice["phone"]))}
