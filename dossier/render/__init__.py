"""Client-facing PDFs: the client's copy of the dossier and short letters.

Python builds a *view*: plain JSON of words, dates in words and blocks in reading order. The
Typst templates beside this module only lay it out. The view reaches Typst as data
(``sys.inputs``, read with ``json()``), never as markup, so whatever a client or coach typed
(``#panic()``, ``*``, ``$``, ``@``, backslashes) is printed exactly as typed and nothing in it
runs. Fonts are those built into Typst, so the output does not depend on the machine.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from dossier.render import texts as T

_HERE = Path(__file__).resolve().parent
_TOC_AFTER_PAGES = 6  # a table of contents once the copy is longer than this


def render_copy(client: dict, *, practice: dict, lang: str = "nl", generated: str,
                anonymised_others: bool = False, handover: dict | None = None) -> bytes:
    """The client's copy of their dossier as a PDF (CSR 5.1-5.2; GDPR Art. 15).

    Everything kept about the client, in plain language, with each correction request and
    each statement of the client's own view printed beside the item it concerns (CSR 5.2,
    5.3). With ``anonymised_others`` the copy says that names of others were replaced by
    their relation to the client and lists only those relations; replacing names inside
    free text is the caller's job. With ``handover`` (``{"to": NAME, "reason": WORDS}``) the
    cover is for the colleague who takes the dossier over (TB 2.28) instead of the client.
    """
    view = copy_view(client, practice=practice, lang=lang, generated=generated,
                     anonymised_others=anonymised_others, handover=handover)
    return _compile("copy.typ", view, generated)


def render_letter(letter: dict) -> bytes:
    """A short letter on the practice's letterhead: for example the client's written objection
    sent with a report (CSR 6.1) or a destruction confirmation (CSR 5.4)."""
    lang = _check_lang(letter.get("lang", "nl"))
    w = T.WORDS[lang]
    practice = letter.get("practice") or {}
    city = practice.get("city") or ""
    date = _date(letter.get("date"), lang)
    view = {
        "lang": lang, "words": _page_words(w),
        "title": letter.get("subject") or "",
        "author": practice.get("coach") or practice.get("practice") or "",
        "footer": practice.get("practice") or practice.get("coach") or "",
        "head": {"name": practice.get("practice") or practice.get("coach") or "",
                 "lines": _contact_lines(practice, names=("coach",) if practice.get("practice") else ())},
        "to": [str(line) for line in letter.get("to") or []],
        "date": f"{city}, {date}" if city else date,
        "subject": letter.get("subject") or "", "subject_word": w["subject"],
        "paragraphs": [p for text in letter.get("paragraphs") or [] for p in _paras(text)],
        "quotes": [{"heading": q.get("heading") or "", "paras": _paras(q.get("text"))}
                   for q in letter.get("quotes") or []],
        "signature": _paras(letter.get("signature")),
    }
    return _compile("letter.typ", view, letter.get("date") or "")


def copy_view(client: dict, *, practice: dict, lang: str = "nl", generated: str,
              anonymised_others: bool = False, handover: dict | None = None) -> dict:
    """The copy as data: what :func:`render_copy` hands to ``copy.typ`` (useful for other
    writers, such as Markdown or JSON)."""
    lang = _check_lang(lang)
    _check_date(generated)
    w = T.WORDS[lang]
    name = " ".join(p for p in (client.get("first_name"), client.get("last_name")) if p)
    coach = practice.get("coach") or ""
    who = ", ".join(p for p in (coach, practice.get("practice")) if p)
    notes = _Notes(client, lang)
    contact = _contact_lines(practice, names=("coach", "practice"))
    c = {**w, **T.HANDOVER[lang]} if handover else w
    values = {"coach": coach or w["your_coach"], "name": name, **(handover or {})}
    cover = {
        "title": c["title"], "name": c["for"].format(name=name),
        "made": c["made"].format(date=_date(generated, lang)),
        "by": c["by"].format(who=who or values["coach"], to=values.get("to", "")) if who or handover else "",
        "sections": [{"heading": h, "paras": [p.format(**values) for p in ps]} for h, ps in c["cover"]],
        "contact_heading": c["contact_heading"],
        "contact": c["contact"] if contact else c["contact_none"], "contact_lines": contact,
        "anonymised": w["anonymised"] if anonymised_others else "",
    }
    body = (_details(client, lang, notes, anonymised_others) + _assignment(client, lang, notes)
            + _sessions(client, lang, notes) + _results(client, lang, notes)
            + _attachments(client, lang, notes))
    # Everything not placed beside an item lands here, so nothing is ever dropped.
    general = notes.rest()
    body += [_h(1, w["general"]), _note_block(general) if general else _prose(w["general_none"])]
    body += _requests(client, lang, notes) + _consents(client, lang) + _disclosures(client, lang) + _duties(client, lang)
    return {"lang": lang, "words": _page_words(w), "toc_after": _TOC_AFTER_PAGES,
            "title": f"{c['title']} — {name}", "author": who, "footer": f"{c['title']} — {name}",
            "cover": cover, "body": body}


# --- the sections of the copy -------------------------------------------------------------

def _details(c: dict, lang: str, notes: _Notes, anonymised: bool) -> list:
    w, labels = T.WORDS[lang], T.FIELDS[lang]
    personal = ("first_name", "last_name", "birth_date", "email", "phone", "address", "postcode",
                "city", "employer", "job_title")
    out = [_h(1, w["details"]), _h(2, w["personal"]),
           _fields([_row(labels[f], _value(f, c.get(f), lang), notes.take(f)) for f in personal])]
    out += [_h(2, w["background"]), _prose_or(c.get("background"), w["none"]), *_notes(notes.take("background"))]
    group = c.get("commissioner") or {}
    keys = [p.split(".", 1)[1] for p in labels if p.startswith("commissioner.")]
    out.append(_h(2, w["commissioner"]))
    placed = {k: notes.take(f"commissioner.{k}") for k in keys}
    if any(group.get(k) for k in keys) or any(placed.values()):
        out.append(_fields([_row(labels[f"commissioner.{k}"], group.get(k) or w["none"], placed[k])
                            for k in keys]))
    else:
        out.append(_prose(w["commissioner_none"]))
    out.append(_h(2, w["persons"]))
    persons = c.get("persons") or []
    if anonymised:
        out.append(_prose(w["anonymised"]))
    if persons:
        head = [w["relation"]] if anonymised else [w["name"], w["relation"]]
        rows = [[p.get("relation") or w["none"]] if anonymised else [p.get("name") or "", p.get("relation") or ""]
                for p in persons]
        out.append(_table(head, rows))
    else:
        out.append(_prose(w["persons_none"]))
    return out + _notes(notes.take("persons"))


def _assignment(c: dict, lang: str, notes: _Notes) -> list:
    w, labels = T.WORDS[lang], T.FIELDS[lang]
    a, g = c.get("assignment") or {}, c.get("agreement") or {}
    out = [_h(1, w["assignment_agreement"]), _h(2, w["assignment"])]
    out.append(_fields([_row(labels[f"assignment.{k}"], _value(k, a.get(k), lang), notes.take(f"assignment.{k}"))
                        for k in ("goal", "started", "ended")]))
    out.append(_h(2, w["agreement"]))
    code = w["code_yes"] if g.get("code_handed_over") else w["code_no"]
    complaints = w["complaints_yes"] if g.get("complaints_procedure_explained") else w["complaints_no"]
    out.append(_fields([
        _row(labels["agreement.date"], _value("date", g.get("date"), lang), notes.take("agreement.date")),
        _row(labels["agreement.terms"], g.get("terms") or w["none"], notes.take("agreement.terms")),
        _row(labels["agreement.code_handed_over"], code, notes.take("agreement.code_handed_over")),
        _row(labels["agreement.complaints_procedure_explained"], complaints,
             notes.take("agreement.complaints_procedure_explained")),
    ]))
    return out


def _sessions(c: dict, lang: str, notes: _Notes) -> list:
    """Each session in date order; the coach's findings marked as the coach's own (CSR 5.2)."""
    w = T.WORDS[lang]
    sessions = sorted(c.get("sessions") or [], key=lambda s: s.get("date") or "")
    out = [_h(1, w["sessions"])]
    if not sessions:
        out.append(_prose(w["sessions_none"]))
    for s in sessions:
        out.append(_h(2, w["session"].format(date=_date(s.get("date"), lang))))
        if s.get("duration_min"):
            out.append({"t": "meta", "text": w["duration"].format(min=s["duration_min"])})
        out += [{"t": "label", "text": w["notes"]}, _prose_or(s.get("notes"), w["notes_none"])]
        if _paras(s.get("findings")):
            out.append({"t": "findings", "title": w["findings"], "hint": w["findings_hint"],
                        "paras": _paras(s.get("findings"))})
        out += _notes(notes.take(f"session:{s.get('id')}"))
    return out


def _results(c: dict, lang: str, notes: _Notes) -> list:
    w = T.WORDS[lang]
    items = [("questionnaire", q, q.get("name")) for q in c.get("questionnaires") or []]
    items += [("measurement", m, m.get("kind")) for m in c.get("measurements") or []]
    items.sort(key=lambda i: (i[0] != "questionnaire", i[1].get("date") or ""))
    out = [_h(1, w["results"])]
    if not items:
        out.append(_prose(w["results_none"]))
    for kind, r, label in items:
        out.append(_h(2, w[kind].format(name=label or "") + (f" ({_date(r['date'], lang)})" if r.get("date") else "")))
        rows = [[str(k), _result(v, lang)] for k, v in (r.get("results") or {}).items()]
        out.append(_table([w["result_name"], w["result_value"]], rows, widths=[3, 2]) if rows
                   else _prose(w["results_empty"]))
        out += _notes(notes.take(f"{kind}:{r.get('id')}"))
    return out


def _attachments(c: dict, lang: str, notes: _Notes) -> list:
    w = T.WORDS[lang]
    items = c.get("attachments") or []
    if not items:
        return [_h(1, w["attachments"]), _prose(w["attachments_none"])]
    rows = [{"cells": [a.get("filename") or "", T.ATTACHMENT_KINDS[lang].get(a.get("kind"), a.get("kind") or ""),
                       _date(a.get("added"), lang), _size(a.get("size"), lang)],
             "notes": notes.take(f"attachment:{a.get('id')}")} for a in items]
    return [_h(1, w["attachments"]),
            {"t": "table", "head": [w["file"], w["kind"], w["added"], w["size"]], "rows": rows, "widths": [1, "auto", "auto", "auto"]}]


def _requests(c: dict, lang: str, notes: _Notes) -> list:
    w = T.WORDS[lang]
    reqs = sorted(c.get("requests") or [], key=lambda r: r.get("received") or "")
    if not reqs:
        return [_h(1, w["requests"]), _prose(w["requests_none"])]
    rows = []
    for r in reqs:
        kind = T.REQUEST_KINDS[lang].get(r.get("kind"), r.get("kind") or "")
        if r.get("kind") == "correction":
            kind += ": " + notes.about(r.get("item"))
        rows.append([kind, _date(r.get("received"), lang), _date(r.get("deadline"), lang) or w["none"],
                     T.STATUS[lang].get(r.get("status"), r.get("status") or ""),
                     _date(r.get("closed"), lang) or w["none"]])
    return [_h(1, w["requests"]),
            _table([w["request"], w["received"], w["deadline"], w["status"], w["closed"]], rows,
                   widths=[1, "auto", "auto", "auto", "auto"])]


def _consents(c: dict, lang: str) -> list:
    w = T.WORDS[lang]
    items = sorted(c.get("consents") or [], key=lambda x: x.get("granted") or "")
    if not items:
        return [_h(1, w["consents"]), _prose(w["consents_none"])]
    rows = []
    for x in items:
        what = T.CONSENT_TYPES[lang].get(x.get("type"), x.get("type") or "")
        if x.get("scope"):
            what += f"\n{w['scope']}: {x['scope']}"
        rows.append([what, T.HOW[lang].get(x.get("how"), x.get("how") or ""), _date(x.get("granted"), lang),
                     _date(x.get("withdrawn"), lang) or w["none"]])
    return [_h(1, w["consents"]),
            _table([w["consent_for"], w["how"], w["granted"], w["withdrawn"]], rows, widths=[1, "auto", "auto", "auto"])]


def _disclosures(c: dict, lang: str) -> list:
    """Who received what, on which ground (GDPR Art. 15(1)(c); CSR 6)."""
    w = T.WORDS[lang]
    out = [_h(1, w["disclosures"])]
    items = sorted(c.get("disclosures") or [], key=lambda x: x.get("date") or "")
    if not items:
        out.append(_prose(w["disclosures_none"]))
    for d in items:
        out.append(_h(3, w["disclosure"].format(date=_date(d.get("date"), lang), to=d.get("to") or "")))
        rows = [(w["what"], d.get("what")),
                (w["type"], T.DISCLOSURE_KINDS[lang].get(d.get("kind"), d.get("kind"))),
                (w["ground"], T.GROUNDS[lang].get(d.get("ground"), d.get("ground"))),
                (w["consent_type"], T.CONSENT_TYPES[lang].get(d.get("consent"), d.get("consent"))),
                (w["legal_basis"], d.get("legal_basis")), (w["justification"], d.get("justification")),
                (w["via"], T.VIA[lang].get(d.get("via"), d.get("via"))),
                (w["informed"], {True: w["yes"], False: w["no"]}.get(d.get("informed"), w["unknown"]))]
        out.append(_fields([_row(label, value, []) for label, value in rows if value]))
    copies = sorted(c.get("copies") or [], key=lambda x: x.get("date") or "")
    out.append(_h(1, w["copies"]))
    if not copies:
        return out + [_prose(w["copies_none"])]
    rows = [[_date(x.get("date"), lang), x.get("to") or "", x.get("contents") or "",
             T.LANG_NAMES[lang].get(x.get("lang"), x.get("lang") or "")] for x in copies]
    return out + [_table([w["date"], w["to"], w["contents"], w["lang"]], rows, widths=["auto", 1, 1.6, "auto"])]


def _duties(c: dict, lang: str) -> list:
    """A pending request to destroy the file and the legal holds (CSR 5.4), when there are any."""
    w = T.WORDS[lang]
    lines = [w["destruction_request"].format(received=_date(d.get("received"), lang),
                                             deadline=_date(d.get("deadline"), lang))
             for d in c.get("destructions") or []]
    for h in sorted(c.get("holds") or [], key=lambda x: x.get("placed") or ""):
        key = "hold_released" if h.get("released") else "hold"
        lines.append(w[key].format(placed=_date(h.get("placed"), lang), released=_date(h.get("released"), lang),
                                   reason=h.get("reason") or ""))
    return [_h(1, w["destruction"]), _prose("\n\n".join(lines))] if lines else []


# --- corrections and statements beside their item (CSR 5.2, 5.3) ---------------------------

class _Notes:
    """Corrections and statements, grouped by the place in the copy where they are printed.

    Each section ``take``s the notes for its items; :meth:`rest` returns what no section took
    (the dossier as a whole, the objection to a report, items no longer in the dossier).
    """

    def __init__(self, client: dict, lang: str):
        self.lang, self.w = lang, T.WORDS[lang]
        self.sessions = {s.get("id"): s for s in client.get("sessions") or []}
        self.things = {f"{kind}:{x.get('id')}": x for kind, key in
                       (("questionnaire", "questionnaires"), ("measurement", "measurements"),
                        ("attachment", "attachments")) for x in client.get(key) or []}
        self.requests = {r.get("id"): r for r in client.get("requests") or []}
        self.placed: dict[str, list] = {}
        corrections = {}
        for r in sorted(client.get("requests") or [], key=lambda r: r.get("received") or ""):
            if r.get("kind") == "correction":
                corrections[r.get("id")] = note = self._correction(r)
                self.placed.setdefault(self.anchor(r.get("item")), []).append(note)
        for s in sorted(client.get("statements") or [], key=lambda s: s.get("received") or ""):
            about = s.get("about")
            note = {"t": "statement", "title": self.w["statement"].format(date=_date(s.get("received"), lang)),
                    "about": self.w["about"].format(about=self.about(about)), "paras": _paras(s.get("text"))}
            target = corrections.get(about[len("request:"):]) if isinstance(about, str) and about.startswith("request:") else None
            if target is not None:
                target["statements"].append(note)
            else:
                self.placed.setdefault(self.anchor(about), []).append(note)

    def anchor(self, item) -> str:
        """The place an item's notes are printed; "" is the general section."""
        if not isinstance(item, str):
            return ""
        if item in T.FIELDS[self.lang]:
            return item
        kind, _, rest = item.partition(":")
        if kind == "session" and rest.split(".")[0] in self.sessions:
            return f"session:{rest.split('.')[0]}"
        return item if item in self.things else ""

    def about(self, item) -> str:
        """What an item is, in words."""
        w, lang = self.w, self.lang
        if item is None:
            return w["whole"]
        if item == "report":
            return w["report"]
        if item in T.FIELDS[lang]:
            group, _, _ = item.partition(".")
            label = T.FIELDS[lang][item]
            return w["in_group"].format(field=label, group=T.GROUP_NAMES[lang][group]) if group in T.GROUP_NAMES[lang] else label
        kind, _, rest = str(item).partition(":")
        sid, _, part = rest.partition(".")
        if kind == "session" and sid in self.sessions:
            date = _date(self.sessions[sid].get("date"), lang)
            return w["session_part"].get(part, w["session_about"]).format(date=date)
        if item in self.things:
            x = self.things[item]
            if kind == "attachment":
                return w["attachment_about"].format(name=x.get("filename") or "")
            return w[f"{kind}_about"].format(name=x.get("name") or x.get("kind") or "", date=_date(x.get("date"), lang))
        if kind == "request" and rest in self.requests:
            r = self.requests[rest]
            if r.get("kind") == "copy":
                return w["copy_request"] + f" ({_date(r.get('received'), lang)})"
            return w["request_about"].format(date=_date(r.get("received"), lang))
        return w["gone"].format(item=item)

    def take(self, anchor: str) -> list:
        return self.placed.pop(anchor, [])

    def rest(self) -> list:
        return [note for notes in self.placed.values() for note in notes]

    def _correction(self, r: dict) -> dict:
        w, lang = self.w, self.lang
        status = r.get("status")
        words = T.STATUS[lang].get(status, status or "")
        decision = words[:1].upper() + words[1:]
        if r.get("closed") and status != "open":
            decision = w["decided"].format(status=decision, date=_date(r["closed"], lang))
        # A granted change shows as old -> new; the proposal is only repeated where it differs.
        asked = None if status == "granted" and r.get("new_value") in (None, r.get("proposed")) else r.get("proposed")
        rows = [(w["received"], _date(r.get("received"), lang)), (w["asked"], asked),
                (w["reason"], r.get("reason")), (w["decision"], decision)]
        if status == "open":
            rows.append((w["deadline"], _date(r.get("deadline"), lang)))
        if status == "granted":
            rows += [(w["was"], r.get("old_value") or w["none"]), (w["now"], r.get("new_value") or r.get("proposed"))]
        if r.get("outcome"):
            rows.append((w["decline_reason"] if status == "declined" else w["note"], r["outcome"]))
        return {"t": "correction", "title": w["correction"].format(about=self.about(r.get("item"))),
                "rows": [[label, str(value)] for label, value in rows if value], "statements": []}


# --- small builders -----------------------------------------------------------------------

def _h(level: int, text: str) -> dict:
    return {"t": "h", "level": level, "text": text}


def _prose(text: str) -> dict:
    return {"t": "prose", "paras": _paras(text)}


def _prose_or(text, empty: str) -> dict:
    return _prose(text) if _paras(text) else _prose(empty)


def _row(label: str, value, notes: list) -> dict:
    return {"label": label, "value": str(value) if value not in (None, "") else "—", "notes": notes}


def _fields(rows: list) -> dict:
    return {"t": "fields", "rows": rows}


def _table(head: list, rows: list, widths: list | None = None) -> dict:
    return {"t": "table", "head": head, "rows": [{"cells": r, "notes": []} for r in rows],
            "widths": widths or [1] * len(head)}


def _note_block(notes: list) -> dict:
    return {"t": "notes", "items": notes}


def _notes(notes: list) -> list:
    return [_note_block(notes)] if notes else []


def _paras(text) -> list[str]:
    """Paragraphs split at blank lines; single line breaks are kept inside a paragraph."""
    if not isinstance(text, str):
        return []
    return [p.strip("\n") for p in re.split(r"\n[ \t]*\n", text.strip()) if p.strip()]


def _value(field: str, value, lang: str) -> str:
    if field.endswith("date") or field in ("started", "ended"):
        return _date(value, lang)
    return value or ""


def _date(value, lang: str) -> str:
    """'2026-11-23' -> '23 november 2026' / '23 November 2026'; other text is shown as it is."""
    if not isinstance(value, str) or not value:
        return ""
    try:
        d = dt.date.fromisoformat(value[:10])
    except ValueError:
        return value
    return f"{d.day} {T.MONTHS[lang][d.month - 1]} {d.year}"


long_date = _date  # for letters written elsewhere (retention/letters.py, rights/reports.py)


def _result(value, lang: str) -> str:
    w = T.WORDS[lang]
    if value is None:
        return w["not_filled"]
    if isinstance(value, bool):
        return w["yes"] if value else w["no"]
    if isinstance(value, float):
        return repr(value).removesuffix(".0").replace(".", w["decimal"])
    return str(value)


def _size(size, lang: str) -> str:
    if not isinstance(size, int):
        return ""
    units = T.WORDS[lang]["size_units"]
    if size < 1024:
        return f"{size} {units[0]}"
    value, unit = float(size), 0
    while value >= 1024 and unit < len(units) - 1:
        value, unit = value / 1024, unit + 1
    return f"{value:.1f}".replace(".", T.WORDS[lang]["decimal"]) + f" {units[unit]}"


def _contact_lines(p: dict, names: tuple) -> list[str]:
    place = " ".join(x for x in (p.get("postcode"), p.get("city")) if x)
    lines = [*(p.get(n) for n in names), p.get("address"), place, p.get("email"), p.get("phone"), p.get("website")]
    return [x for x in lines if x]


def _page_words(w: dict) -> dict:
    return {"page": w["page"], "of": w["of"], "toc": w["toc"]}


def _check_lang(lang) -> str:
    if lang not in T.LANGS:
        raise ValueError(f"language must be one of {', '.join(T.LANGS)}, not {lang!r}")
    return lang


def _check_date(value) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError("the date must be an ISO date such as 2026-11-23") from None


def _compile(template: str, view: dict, date: str) -> bytes:
    """Typst compiles the template with the view as JSON input; PDF/A-2b where the fonts allow."""
    import typst  # here, not at the top: the CLI starts without loading the compiler

    stamp = dt.datetime.combine(_check_date(date), dt.time(), tzinfo=dt.timezone.utc)
    args = {"root": str(_HERE), "sys_inputs": {"data": json.dumps(view, ensure_ascii=False)},
            "ignore_system_fonts": True, "timestamp": stamp}
    path = str(_HERE / template)
    # Typst's messages may quote client text, so none of them is passed on.
    try:
        try:
            return typst.compile(path, pdf_standards="a-2b", **args)
        except typst.TypstError as e:
            if not str(getattr(e, "message", "")).startswith("PDF/A"):
                raise
        # A character no built-in font has (an emoji, Chinese script) is not allowed in PDF/A;
        # the client's right to a copy comes first, so the copy is made as plain PDF.
        return typst.compile(path, **args)
    except typst.TypstError:
        raise RuntimeError(f"rendering failed: {template} did not compile") from None
