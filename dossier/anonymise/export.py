"""Preparing and writing an anonymised case (TB 2.16; CSR 6.8, 6.9).

:func:`prepare` anonymises one client's dossier with the vault's pseudonym map and checks
the purpose (teaching needs a written teaching consent, CSR 6.8); :func:`write` writes the
case (Markdown, JSON or PDF) to a temporary file beside the target and renames it (0600),
keeps the new placeholder numbers, and logs the export: date, purpose, sessions, no content.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from dossier import clock, paths
from dossier.anonymise.core import PURPOSES, Result, anonymise
from dossier.anonymise.detect import fold
from dossier.errors import FileProblem, InvalidInput, Refused
from dossier.records import consents as consent
from dossier.records.document import load_client
from dossier.render import render_letter

FORMATS = ("md", "pdf", "json")
SECRET_KEY = "pseudonym_secret"
_TITLES = {"nl": {"intervision": "Casus voor intervisie", "supervision": "Casus voor supervisie",
                  "teaching": "Casus voor onderwijs", "background": "Achtergrond", "goal": "Vraag en doel",
                  "session": "Sessie {n} (week {w}{d})", "min": ", {m} min", "findings": "Bevindingen van de coach",
                  "before": "vóór het traject", "note": "Geanonimiseerd met dossier: namen en andere gegevens zijn "
                                                        "vervangen door omschrijvingen tussen [ ]."},
           "en": {"intervision": "Case for intervision", "supervision": "Case for supervision",
                  "teaching": "Case for teaching", "background": "Background", "goal": "Question and goal",
                  "session": "Session {n} (week {w}{d})", "min": ", {m} min", "findings": "The coach's findings",
                  "before": "before the coaching", "note": "Anonymised with dossier: names and other details are "
                                                           "replaced by descriptions in [ ]."}}


def _secret(vault) -> bytes:
    row = vault.db.one("SELECT value FROM meta WHERE key = ?", (SECRET_KEY,))
    if row:
        return bytes.fromhex(row[0])
    value = secrets.token_bytes(32)
    with vault.write():
        vault.db.execute("INSERT INTO meta(key, value) VALUES (?, ?)", (SECRET_KEY, value.hex()))
    return value


def prepare(vault, client_id: str, *, sessions: str | None = None, purpose: str = "intervision",
            keep: list[str] = (), also: list[str] = (), out: Path | None = None, fmt: str | None = None,
            overwrite: bool = False, reviewed: bool = True) -> tuple[Result, dict]:
    """The anonymised case and the pseudonym store to keep when it is written. ``out`` and
    ``fmt`` are checked here already, so that a case approved at the review is not refused
    for its file. ``result.exposed`` lists the --keep values that leave the client's own name
    in the case: allowed only when the coach sees them at the review, so without ``reviewed``
    (``--yes``) they are refused."""
    if out is not None:
        check_out(out, fmt, overwrite)
    if purpose not in PURPOSES:
        raise InvalidInput("--purpose", purpose, "must be one of: " + ", ".join(PURPOSES))
    if purpose == "teaching":
        c = consent.current(vault.db, client_id, "teaching")
        if c is None or c["how"] != "written":
            raise Refused("no written teaching consent of this client is in force: client data may not be used "
                          "for publication or teaching without it (CSR 6.8)",
                          "record it once signed: dossier consent grant CLIENT --type teaching --how written")
    for value in (*keep, *also):
        if not value.strip():
            raise InvalidInput("--keep/--also", value, "must not be empty")
    client = load_client(vault.db, client_id, with_attachment_content=False)
    store = {tag: (kind, n) for tag, kind, n in vault.db.all(
        "SELECT tag, kind, number FROM pseudonyms WHERE client_id = ?", (client_id,))}
    result = anonymise(client, sessions=sessions, keep=list(keep), also=list(also), secret=_secret(vault),
                       store=store)
    result.exposed = exposes_client(result, client)
    if result.exposed and not reviewed:
        raise Refused(f"--keep {', '.join(result.exposed)} would expose the client's name (it leaves the client's "
                      "own name in the case); confirm it at the review (without --yes)")
    return result, store


def exposes_client(result: Result, client: dict) -> list[str]:
    """The --keep values that would leave the client's own name in the case."""
    names = {fold(x) for x in (client["first_name"], client["last_name"], f"{client['first_name']} {client['last_name']}")}
    return [k for k in result.kept if any(fold(k) in n or n in fold(k) for n in names if len(n) >= 2)]


def render(result: Result, purpose: str, fmt: str) -> bytes:
    T = _TITLES[result.lang]
    if fmt == "json":
        doc = {"format": "dossier-case/1", "purpose": purpose, "lang": result.lang, "sessions": result.sessions,
               "sections": result.sections, "residual_risks": result.risks}
        return json.dumps(doc, ensure_ascii=False, indent=2).encode() + b"\n"
    blocks: list[tuple[str, str]] = []  # (heading, text)
    for s in result.sections:
        if s["key"] in ("background", "goal") and s["text"]:
            blocks.append((T[s["key"]], s["text"]))
        elif s["key"] == "session":
            head = T["session"].format(n=s["number"], w=s["week"],
                                       d=T["min"].format(m=s["duration"]) if s["duration"] else "")
            text = s["notes"] + (f"\n\n{T['findings']}: {s['findings']}" if s["findings"] else "")
            blocks.append((head, text))
        elif s["key"] in ("questionnaires", "measurements"):
            values = ", ".join(f"{k}: {v}" for k, v in s["results"].items())
            week = s["week"]
            when = "" if week is None else f" (week {week})" if week > 0 else f" ({T['before']})"
            blocks.append((s["name"] + when, values))
    if fmt == "md":
        lines = [f"# {T[purpose]}", "", f"_{T['note']}_", ""]
        for head, text in blocks:
            lines += [f"## {_md_escape(head)}", "", _md_escape(text), ""]
        return "\n".join(lines).encode()
    return render_letter({"lang": result.lang, "date": clock.today(), "practice": {}, "to": [], "subject": T[purpose],
                          "paragraphs": [T["note"]], "quotes": [{"heading": h, "text": t} for h, t in blocks],
                          "signature": ""})


def _md_escape(text: str) -> str:
    """Markdown that shows the text as written: markup characters and HTML escaped."""
    out = []
    for ch in text:
        out.append("\\" + ch if ch in "\\`*_{}<>#|!" else ch)
    return "".join(out).replace("](", "]\\(").replace("\n", "  \n")


def check_out(out: Path, fmt: str | None, overwrite: bool) -> tuple[Path, str]:
    """The file to write and its format (from ``fmt`` or the file's extension, md by default)."""
    out = Path(out)
    fmt = fmt or (out.suffix.lstrip(".").lower() if out.suffix.lstrip(".").lower() in FORMATS else "md")
    if fmt not in FORMATS:
        raise InvalidInput("--format", fmt, "must be one of: " + ", ".join(FORMATS))
    if out.is_dir():
        raise FileProblem(f"{out}: is a folder, not a file")
    if out.exists() and not overwrite:
        raise FileProblem(f"{out}: exists already", "choose another name or pass --force")
    if not out.parent.is_dir():
        raise FileProblem(f"{out.parent}: no such folder")
    return out, fmt


def write(vault, client_id: str, result: Result, store: dict, out: Path, purpose: str, fmt: str | None = None,
          overwrite: bool = False) -> Path:
    """Write the case to ``out`` (temp file + rename, 0600), keep the placeholders, log it."""
    out, fmt = check_out(out, fmt, overwrite)
    data = render(result, purpose, fmt)
    with vault.write():
        for tag, (kind, n) in store.items():
            vault.db.execute("INSERT OR IGNORE INTO pseudonyms (client_id, tag, kind, number) VALUES (?,?,?,?)",
                             (client_id, tag, kind, n))
        vault.log("anonymise.export", client_id, detail=f"purpose {purpose}; sessions "
                  f"{_ranges(result.sessions) or 'none'}; format {fmt}")
        paths.replace_private_file(out, data)  # last: a failure before it rolls the log entry back
    return out


def _ranges(numbers: list[int]) -> str:
    parts, run = [], []
    for n in sorted(numbers) + [None]:
        if run and (n is None or n != run[-1] + 1):
            parts.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
            run = []
        if n is not None:
            run.append(n)
    return ",".join(parts)
