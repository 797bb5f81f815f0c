"""Attachments: files (questionnaire PDFs, HRV reports, letters) stored encrypted inside the
vault database (CSR 9.1; TB 2.13: never as plaintext beside it). Written back out only on
request, with mode 0600."""

from __future__ import annotations

import base64
import binascii
import hashlib
import mimetypes
import re
from pathlib import Path

from dossier import clock, paths
from dossier.errors import InvalidInput
from dossier.format import fields as F
from dossier.format.ids import by_prefix, check_id, list_of, new_id, no_unknown
from dossier.format.sections import Section
from dossier.records.clients import get_summary

MAX_BYTES = 200 * 1024 * 1024  # larger files make destruction (VACUUM) slow; see design.md
_META = ("id", "kind", "filename", "media_type", "size", "sha256", "added")


def check_attachment(a: dict, where: str, with_content: bool = True) -> dict:
    """An attachment from a canonical document: metadata plus its content in base64. Without
    content (a handover bundle carries each file as a member of its own), ``size`` and
    ``sha256`` are required instead, and the file is checked against them when it arrives."""
    no_unknown(a, (*_META, "content_base64"), where)
    out = {"id": check_id(f"{where}id", a.get("id")),
           "kind": F.check_enum(f"{where}kind", a.get("kind"), F.ATTACHMENT_KINDS),
           "filename": F.check_filename(f"{where}filename", a.get("filename")),
           "media_type": F.check_line(f"{where}media_type", a.get("media_type")) or "application/octet-stream",
           "added": F.check_line(f"{where}added", a.get("added"))}
    if not with_content:
        if "content_base64" in a:
            raise InvalidInput(f"{where}content_base64", "<content>", "does not belong here: the file is a member "
                               "of its own")
        size, digest = a.get("size"), a.get("sha256")
        if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= MAX_BYTES:
            raise InvalidInput(f"{where}size", size, f"is not a size from 0 to {MAX_BYTES} bytes")
        if not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise InvalidInput(f"{where}sha256", digest, "is not a SHA-256 in hexadecimal")
        out.update(size=size, sha256=digest)
        return out
    encoded = a.get("content_base64")
    if not isinstance(encoded, str):
        raise InvalidInput(f"{where}content_base64", encoded, "is missing: an attachment needs its content",
                           "export with attachments (the default) to carry files in a dossier/1 document")
    try:
        content = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(f"{where}content_base64", encoded, "is not valid base64") from None
    if len(content) > MAX_BYTES:
        raise InvalidInput(f"{where}content_base64", f"<{len(content)} bytes>",
                           f"is over the {MAX_BYTES // (1024 * 1024)} MiB limit for one attachment")
    digest = hashlib.sha256(content).hexdigest()
    if a.get("sha256") not in (None, digest):
        raise InvalidInput(f"{where}sha256", a.get("sha256"), "does not match the content")
    if a.get("size") not in (None, len(content)):
        raise InvalidInput(f"{where}size", a.get("size"), "does not match the content")
    out.update(size=len(content), sha256=digest, content=content)
    return out


def insert_attachment(db, client_id: str, a: dict) -> None:
    """Store an attachment (inside a write): its content in its own encrypted file when the
    database belongs to a vault (``db.blobs``), else in the row (schema 3 and older). With
    ``blob_key``, the file was already written (a handover streams it in)."""
    blobs = getattr(db, "blobs", None)
    key = a.get("blob_key") or (blobs.put(a["id"], a["content"]) if blobs else None)
    db.execute("INSERT INTO attachments (id, client_id, kind, filename, media_type, size, sha256, added, content, "
               "blob_key) VALUES (?,?,?,?,?,?,?,?,?,?)",
               (a["id"], client_id, a["kind"], a["filename"], a["media_type"], a["size"], a["sha256"],
                a["added"], b"" if key else a["content"], key))


def content_of(db, attachment_id: str) -> bytes:
    """The bytes of one attachment, from its blob file or its row."""
    content, key = db.one("SELECT content, blob_key FROM attachments WHERE id = ?", (attachment_id,))
    return db.blobs.get(attachment_id, key) if key else content


def load_attachments(db, client_id: str, with_content: bool = True) -> list[dict]:
    out = []
    for row in db.all(f"SELECT {', '.join(_META)} FROM attachments WHERE client_id = ? ORDER BY added, n", (client_id,)):
        item = dict(zip(_META, row))
        if with_content:
            item["content_base64"] = base64.b64encode(content_of(db, item["id"])).decode("ascii")
        out.append(item)
    return out


def _check(doc: dict, checked: dict, where: str, with_content: bool) -> dict:
    return {"attachments": [check_attachment(a, f"{where}attachments[{i}].", with_content)
                            for i, a in enumerate(list_of(doc, "attachments", where))]}


def _insert(db, client: dict, now: str) -> None:
    for a in client["attachments"]:
        insert_attachment(db, client["id"], a)


SECTION = Section(("attachments",), _check, _insert,
                  lambda db, client_id, with_content: {"attachments": load_attachments(db, client_id, with_content)})


def attach(vault, client_id: str, path: Path, kind: str) -> str:
    """Store a file encrypted in the vault; returns the attachment id."""
    F.check_enum("--kind", kind, F.ATTACHMENT_KINDS)
    path = Path(path)
    content = paths.read_user_file(path, max_bytes=MAX_BYTES)
    a = {"id": new_id(), "kind": kind, "filename": F.check_filename("filename", path.name),
         "media_type": mimetypes.guess_type(path.name)[0] or "application/octet-stream",
         "size": len(content), "sha256": hashlib.sha256(content).hexdigest(),
         "added": clock.now(),
         "content": content}
    with vault.write():
        get_summary(vault.db, client_id)
        insert_attachment(vault.db, client_id, a)
        vault.log("attachment.add", client_id, detail=f"attachment {a['id']} ({kind}, {len(content)} bytes)")
    return a["id"]


def find_attachment(db, query: str) -> dict:
    """An attachment by id or unique id prefix (at least 4 characters)."""
    return by_prefix(db, "attachments", (*_META, "client_id"), query, "an attachment",
                     "list them with: dossier attachment list CLIENT")


def list_attachments(db, client_id: str) -> list[dict]:
    return load_attachments(db, client_id, with_content=False)


def write_attachment(vault, query: str, out: Path, overwrite: bool = False) -> dict:
    """Write an attachment to ``out`` (mode 0600) on the coach's request; logged as an export."""
    meta = find_attachment(vault.db, query)
    out = Path(out)
    if out.is_dir():
        out = out / meta["filename"]
    content = content_of(vault.db, meta["id"])
    with vault.write():
        paths.write_private_file(out, content, overwrite=overwrite)
        vault.log("attachment.get", meta["client_id"], detail=f"attachment {meta['id']} written to a file")
    meta["path"] = str(out)
    return meta
