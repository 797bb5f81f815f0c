"""dossier client add | list | show | edit | close | reopen (CSR 9.1, CSR 7.1, TB 2.2-2.3)."""

from __future__ import annotations

from typing import List, Optional

import typer

from dossier.cli import output
from dossier.clock import local_time
from dossier.cli.common import pairs
from dossier.cli.unlock import opened

app = typer.Typer(help="Clients: the record (CSR 9.1), assignment (CSR 7.1) and agreement (TB 2.2-2.3).",
                  no_args_is_help=True)

SET_HELP = ("FIELD=VALUE, repeatable. Fields: first_name, last_name, birth_date, email, phone, address, "
            "postcode, city, employer, job_title, background, commissioner.organisation, commissioner.contact, "
            "commissioner.email, commissioner.phone, commissioner.company_doctor, assignment.goal, "
            "assignment.started, assignment.ended, agreement.date, agreement.terms, "
            "agreement.code_handed_over, agreement.complaints_procedure_explained.")
PERSON_HELP = "A third person in the dossier as 'NAME=relation' (e.g. 'Piet Bos=leidinggevende'), repeatable."


def _persons(items: list[str] | None) -> list[dict]:
    return [{"name": k, "relation": v} for k, v in pairs(items, "--person").items()]


@app.command("add")
def add(
    ctx: typer.Context,
    first_name: str = typer.Option(..., "--first-name", help="First name."),
    last_name: str = typer.Option(..., "--last-name", help="Last name, with prefixes ('van der Berg')."),
    birth_date: Optional[str] = typer.Option(None, "--birth-date", help="YYYY-MM-DD."),
    email: Optional[str] = typer.Option(None, "--email"),
    phone: Optional[str] = typer.Option(None, "--phone", help="Dutch (06 12345678) or international (+31 6 …)."),
    employer: Optional[str] = typer.Option(None, "--employer"),
    goal: Optional[str] = typer.Option(None, "--goal", help="The assignment's goal or question (CSR 7.1)."),
    set_: Optional[List[str]] = typer.Option(None, "--set", help=SET_HELP),
    person: Optional[List[str]] = typer.Option(None, "--person", help=PERSON_HELP),
):
    """Add a client; prints the new id."""
    from dossier.records.clients import add_client, check_new_client

    values = {"first_name": first_name, "last_name": last_name, "birth_date": birth_date, "email": email,
              "phone": phone, "employer": employer, "assignment.goal": goal}
    values = {k: v for k, v in values.items() if v is not None} | pairs(set_, "--set")
    check_new_client(values, _persons(person))  # before the passphrase is asked
    with opened(ctx) as vault:
        cid = add_client(vault, values, _persons(person))
    output.out.print(cid)
    output.ok(f"client {first_name} {last_name} added")


@app.command("list")
def list_(
    ctx: typer.Context,
    status: str = typer.Option("all", "--status", help="open, closed or all."),
    json_: bool = typer.Option(False, "--json", help="JSON records for scripts."),
):
    """List clients, by last name."""
    from dossier.errors import InvalidInput
    from dossier.records.clients import list_clients

    if status not in ("open", "closed", "all"):
        raise InvalidInput("--status", status, "must be open, closed or all")
    with opened(ctx) as vault:
        rows = list_clients(vault.db, None if status == "all" else status)
    if json_:
        return output.emit_json(rows)
    output.table(f"{len(rows)} clients", ["id", "name", "born", "city", "status", "sessions", "last session"],
                 [[r["id"][:8], f"{r['first_name']} {r['last_name']}", r["birth_date"], r["city"],
                   r["status"], r["session_count"], r["last_session"]] for r in rows])


@app.command("show")
def show(
    ctx: typer.Context,
    client: str = typer.Argument(..., help="Id, unique id prefix, or name."),
    json_: bool = typer.Option(False, "--json", help="The client in the canonical dossier/1 shape."),
):
    """Show everything the dossier holds about one client."""
    from dossier.handover import provenance
    from dossier.records.document import load_client
    from dossier.records.clients import resolve

    with opened(ctx) as vault:
        c = load_client(vault.db, resolve(vault.db, client), with_attachment_content=False)
        came_from = provenance(vault.db, c["id"])
    if json_:
        return output.emit_json(c)
    render_client(c)
    for p in came_from:
        output.fields("Handed over to you (TB 2.28)", [
            ("received", p["received"]), ("from", f"{p['contact']} ({p['sender']}), fingerprint {p['fingerprint']}"),
            ("sent", p["sent"]), ("reason", p["reason"]),
            ("ground", f"consent given {p['consent']['granted']}" if p["consent"]
             else f"without consent: {p['without_consent_reason']}"), ("bundle", p["bundle"])])


def render_client(c: dict) -> None:
    o = output
    o.fields(f"{c['first_name']} {c['last_name']}", [
        ("id", c["id"]), ("status", c["status"] + (f" (closed {c['closed']})" if c["closed"] else "")),
        ("born", c["birth_date"]), ("e-mail", c["email"]), ("phone", c["phone"]),
        ("address", " ".join(x for x in (c["address"], c["postcode"], c["city"]) if x)),
        ("employer", c["employer"]), ("job title", c["job_title"])])
    cm, a, ag = c["commissioner"], c["assignment"], c["agreement"]
    o.fields("Opdrachtgever (commissioner)", [("organisation", cm["organisation"]), ("contact", cm["contact"]),
             ("e-mail", cm["email"]), ("phone", cm["phone"]), ("company doctor", cm["company_doctor"])])
    o.fields("Assignment (CSR 7.1) and agreement (TB 2.2-2.3)", [
        ("goal", a["goal"]), ("started", a["started"]), ("ended", a["ended"]),
        ("agreement date", ag["date"]), ("terms", ag["terms"]), ("code handed over", ag["code_handed_over"]),
        ("complaints procedure explained", ag["complaints_procedure_explained"])])
    o.paragraph("Background", c["background"])
    if c["persons"]:
        o.table("Third persons in the dossier", ["name", "relation"], [[p["name"], p["relation"]] for p in c["persons"]])
    for s in c["sessions"]:
        o.out.print()
        o.out.print(o.safe(f"Session {s['date']}" + (f", {s['duration_min']} min" if s["duration_min"] else "")
                           + f"  ({s['id'][:8]})", "bold underline"))
        o.out.print(o.safe(s["notes"] or "—"))
        if s["findings"]:
            o.out.print(o.safe("Findings (the coach's own, CSR 5.3):", "italic") + " " + o.safe(s["findings"]))
    for key, label in (("questionnaires", "name"), ("measurements", "kind")):
        for r in c[key]:
            o.table(f"{r[label]} ({r['date'] or 'no date'})", ["result", "value"],
                    [[k, v] for k, v in r["results"].items()])
    if c["attachments"]:
        o.table("Attachments", ["id", "kind", "file", "bytes", "added"],
                [[x["id"][:8], x["kind"], x["filename"], x["size"], local_time(x["added"])] for x in c["attachments"]])
    _render_rights(c)


def _render_rights(c: dict) -> None:
    """Requests, statements, consents, disclosures and copies (CSR 5.1-5.3, 6.1-6.5, 9.4), in short."""
    from dossier.records.items import short

    o = output
    if c["requests"]:
        o.table("Requests (CSR 5.1, 5.3)", ["id", "kind", "received", "deadline", "status", "item"],
                [[r["id"][:8], r["kind"], r["received"], r["deadline"],
                  r["status"] + (f" {r['closed']}" if r["closed"] else ""), short(r["item"]) if r["item"] else ""]
                 for r in c["requests"]])
    for st in c["statements"]:
        o.paragraph(f"Client's statement, received {st['received']}, about {short(st['about'])}", st["text"])
    if c["consents"]:
        o.table("Consents (history)",
                ["type", "granted", "how", "withdrawn"],
                [[x["type"], x["granted"], x["how"], x["withdrawn"] or ""] for x in c["consents"]])
    if c["disclosures"]:
        o.table("Disclosures (CSR 9.4)", ["date", "kind", "to", "ground"],
                [[d["date"], d["kind"], d["to"], d["ground"]] for d in c["disclosures"]])
    if c["copies"]:
        o.table("Copies given (CSR 5.1)", ["date", "to", "contents"],
                [[x["date"], x["to"], x["contents"]] for x in c["copies"]])
    for d in c["destructions"]:
        o.warn(f"a written request to destroy this dossier came in on {d['received']}: carry it out by "
               f"{d['deadline']} (CSR 5.4)")
    if c["holds"]:
        o.table("Legal holds (CSR 5.4)", ["since", "reason", "released"],
                [[h["placed"], h["reason"], h["released"] or "in force"] for h in c["holds"]])


@app.command("edit")
def edit(
    ctx: typer.Context,
    client: str = typer.Argument(..., help="Id, unique id prefix, or name."),
    set_: Optional[List[str]] = typer.Option(None, "--set", help=SET_HELP),
    add_person: Optional[List[str]] = typer.Option(None, "--add-person", help=PERSON_HELP),
    remove_person: Optional[List[str]] = typer.Option(None, "--remove-person", help="NAME of a third person, repeatable."),
):
    """Change fields of a client's record (the audit log names the fields, never the values)."""
    from dossier.records.clients import check_changes, edit_client, resolve

    changes, persons = pairs(set_, "--set"), _persons(add_person)
    check_changes(changes, persons)  # before the passphrase is asked
    with opened(ctx) as vault:
        changed = edit_client(vault, resolve(vault.db, client), changes, persons, remove_person or [])
    output.ok("changed: " + ", ".join(changed))


def _status(ctx, client: str, status: str, date: str | None) -> None:
    from dossier.format import fields as F
    from dossier.records.clients import resolve, set_status

    F.check_date("--date", date)  # before the passphrase is asked
    with opened(ctx) as vault:
        set_status(vault, resolve(vault.db, client), status, date)
    output.ok(f"client {'closed' if status == 'closed' else 'reopened'}")


@app.command("close")
def close(ctx: typer.Context, client: str = typer.Argument(..., help="Id, unique id prefix, or name."),
          date: Optional[str] = typer.Option(None, "--date", help="Closing date, YYYY-MM-DD (default: today).")):
    """Close a client's dossier (TB 2.27: it stays encrypted; retention runs from closure)."""
    _status(ctx, client, "closed", date)


@app.command("reopen")
def reopen(ctx: typer.Context, client: str = typer.Argument(..., help="Id, unique id prefix, or name.")):
    """Reopen a closed dossier."""
    _status(ctx, client, "open", None)
