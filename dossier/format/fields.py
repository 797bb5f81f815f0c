"""The fields of a client record and how each is checked.

One table of fields serves validation, the canonical JSON format, ``client add/edit --set``
and the database columns (the column is the field path with ``.`` replaced by ``_``).
CSR 9.1 lists the data a coach receives; CSR 7.1 asks for a goal per assignment; TB 2.2-2.3
for a recorded agreement. Every check raises InvalidInput naming the field and the value.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata

from dossier import clock
from dossier.render import texts
from dossier.errors import InvalidInput

LINE_MAX = 200  # characters in a one-line field
TEXT_MAX_BYTES = 1024 * 1024  # 1 MiB of UTF-8 in a notes or background field; attach larger things
RESULTS_MAX_KEYS = 200

_CONTROL_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")  # allows \t and \n
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
_PHONE_CHARS = re.compile(r"[\s\-().]")


def _fail(field, value, reason, hint=None):
    raise InvalidInput(field, value, reason, hint)


def check_line(field: str, value, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        _fail(field, value, "must be text")
    if _CONTROL_LINE.search(value):
        _fail(field, value, "contains a control character (NUL, newline, escape code, ...)")
    value = value.strip()
    if len(value) > LINE_MAX:
        _fail(field, value, f"is longer than {LINE_MAX} characters")
    if required and not value:
        _fail(field, value, "must not be empty")
    return value


def check_text(field: str, value) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        _fail(field, value, "must be text")
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if _CONTROL_TEXT.search(value):
        _fail(field, value, "contains a control character (NUL, escape code, ...); only tabs and newlines are allowed")
    if len(value.encode("utf-8")) > TEXT_MAX_BYTES:
        _fail(field, f"<{len(value.encode('utf-8'))} bytes of text>", "is larger than the 1 MiB limit for text",
              "store long documents as an attachment: dossier attach CLIENT FILE")
    return value


def check_date(field: str, value, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            _fail(field, value, "is required (YYYY-MM-DD)")
        return None
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        _fail(field, value, "is not a date in the form YYYY-MM-DD")
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        _fail(field, value, "is not a date that exists")
    return value


def received_date(value, field: str = "--received") -> str:
    """The date something was received or decided: the coach's today by default, never in the future."""
    date = check_date(field, value) or clock.today()
    if date > clock.today():
        _fail(field, date, "is in the future")
    return date


def check_email(field: str, value) -> str:
    value = check_line(field, value)
    if value and not _EMAIL.fullmatch(value):
        _fail(field, value, "is not an e-mail address (name@example.nl)")
    return value


def check_phone(field: str, value) -> str:
    """Dutch numbers (10 digits starting with 0) and international ones (+ or 00, 8-15 digits)."""
    value = check_line(field, value)
    if not value:
        return value
    digits = _PHONE_CHARS.sub("", value)
    ok = (re.fullmatch(r"0[1-9]\d{8}", digits)
          or re.fullmatch(r"\+[1-9]\d{7,14}", digits)
          or re.fullmatch(r"00[1-9]\d{7,14}", digits))
    if not ok or value.count("+") > 1:
        _fail(field, value, "is not a phone number (Dutch: 06 12345678 or 020 1234567; international: +31 6 12345678)")
    return value


def check_bool(field: str, value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("yes", "true", "ja", "1", "y", "j"):
            return True
        if low in ("no", "false", "nee", "0", "n"):
            return False
    _fail(field, value, "must be yes or no (true/false)")


def check_int(field: str, value, low: int, high: int, required: bool = False) -> int | None:
    if value is None or value == "":
        if required:
            _fail(field, value, "is required")
        return None
    if isinstance(value, str) and re.fullmatch(r"[0-9]+", value.strip()):
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        _fail(field, value, f"must be a whole number from {low} to {high}")
    return value


def check_enum(field: str, value, choices: tuple[str, ...]) -> str:
    if value not in choices:
        _fail(field, value, f"must be one of: {', '.join(choices)}")
    return value


def check_results(field: str, value) -> dict:
    """Questionnaire and HRV results: a flat object of names to numbers, text or yes/no."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        _fail(field, value, "must be an object of result names to values")
    if len(value) > RESULTS_MAX_KEYS:
        _fail(field, f"<{len(value)} results>", f"has more than {RESULTS_MAX_KEYS} results")
    out = {}
    for key, item in value.items():
        name = check_line(f"{field}.{key}", key, required=True)
        if name in out:
            _fail(f"{field}.{key}", key, "repeats a result name")
        if isinstance(item, str):
            item = check_line(f"{field}.{key}", item)
        elif item is not None and not isinstance(item, (int, float, bool)):
            _fail(f"{field}.{key}", item, "must be a number, text or yes/no")
        elif isinstance(item, float) and not math.isfinite(item):
            _fail(f"{field}.{key}", item, "is not a finite number")
        out[name] = item
    return out


# path -> (checker, extra args). The order is the order of the canonical format.
CLIENT_FIELDS: dict[str, tuple] = {
    "first_name": (check_line, True),
    "last_name": (check_line, True),
    "birth_date": (check_date,),
    "email": (check_email,),
    "phone": (check_phone,),
    "address": (check_line,),
    "postcode": (check_line,),
    "city": (check_line,),
    "employer": (check_line,),
    "job_title": (check_line,),
    "background": (check_text,),
    "commissioner.organisation": (check_line,),
    "commissioner.contact": (check_line,),
    "commissioner.email": (check_email,),
    "commissioner.phone": (check_phone,),
    "commissioner.company_doctor": (check_line,),
    "assignment.goal": (check_text,),
    "assignment.started": (check_date,),
    "assignment.ended": (check_date,),
    "agreement.date": (check_date,),
    "agreement.terms": (check_text,),
    "agreement.code_handed_over": (check_bool,),
    "agreement.complaints_procedure_explained": (check_bool,),
}
GROUPS = ("commissioner", "assignment", "agreement")
BOOL_FIELDS = {p for p, spec in CLIENT_FIELDS.items() if spec[0] is check_bool}
ATTACHMENT_KINDS = ("questionnaire", "hrv", "letter", "other")
LANGS = texts.LANGS  # the languages of client documents and letters


def check_lang(value, field: str = "--lang") -> str:
    """A document language: nl (the default of every client document) or en."""
    return check_enum(field, value, LANGS)


def column(path: str) -> str:
    return path.replace(".", "_")


def check_field(path: str, value, where: str = ""):
    """Check one client field by its path (``email``, ``commissioner.contact``)."""
    spec = CLIENT_FIELDS.get(path)
    name = f"{where}{path}"
    if spec is None:
        _fail(name, path, "is not a client field", "fields: " + ", ".join(CLIENT_FIELDS))
    checker, *args = spec
    if checker is check_bool and value in (None, ""):
        return False
    return checker(name, value, *args)


def check_session(s: dict, where: str) -> dict:
    return {
        "date": check_date(f"{where}date", s.get("date"), required=True),
        "duration_min": check_int(f"{where}duration_min", s.get("duration_min"), 1, 24 * 60),
        "notes": check_text(f"{where}notes", s.get("notes")),
        "findings": check_text(f"{where}findings", s.get("findings")),
    }


def check_person(p: dict, where: str) -> dict:
    return {"name": check_line(f"{where}name", p.get("name"), required=True),
            "relation": check_line(f"{where}relation", p.get("relation"))}


def check_result(r: dict, where: str, label: str) -> dict:
    return {label: check_line(f"{where}{label}", r.get(label), required=True),
            "date": check_date(f"{where}date", r.get("date")),
            "results": check_results(f"{where}results", r.get("results"))}


def check_filename(field: str, value) -> str:
    value = check_line(field, value, required=True)
    if "/" in value or "\\" in value or value in (".", ".."):
        _fail(field, value, "must be a file name without folders")
    return value


def fold(text: str) -> str:
    """Text as people compare names: no accents, no case (Noëlle = noelle; search and the
    anonymiser match with it too)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def fold_name(text: str) -> str:
    """A name as compared by people: :func:`fold`, with single spaces."""
    return " ".join(fold(text).split())
