"""Turn one client's dossier into a case for intervision or supervision that peers cannot
trace back to the client (TB 2.16; CSR 6.8, 6.9, 5.2).

:func:`anonymise` finds every identifying span (detect.py), gives each person and thing one
placeholder throughout (the same placeholder in later exports of the same client, through
an HMAC-keyed map kept in the vault), generalises dates to weeks of the coaching, ages to
ten-year bands and the employer to its sector, and reports what it could not generalise.
Nothing is written by this module; the caller shows the review and writes the file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections import Counter
from dataclasses import dataclass, field

from dossier.anonymise import detect
from dossier.errors import InvalidInput

PURPOSES = ("intervision", "supervision", "teaching")
LABELS = {
    "nl": {"client": "[cliënt]", "employer": "[werkgever]", "commissioner": "[opdrachtgever]",
           "doctor": "[bedrijfsarts]", "contact": "[contactpersoon opdrachtgever]", "address": "[adres]",
           "postcode": "[postcode]", "city": "[woonplaats]", "email": "[e-mail]", "phone": "[telefoonnummer]",
           "job": "[functie]", "birth_date": "[geboortedatum]", "person": "[persoon {n}]", "org": "[organisatie {n}]",
           "place": "[plaats]", "url": "[website]", "handle": "[account]", "bsn": "[BSN]", "iban": "[IBAN]",
           "kvk": "[KvK-nummer]", "plate": "[kenteken]", "date": "[datum]", "year": "[jaar]",
           "age": "[tussen {n} en {m} jaar]", "week": "week {n}", "before": "vóór het traject", "other": "[iemand]",
           "also": "[verwijderd]", "sector": {"zorg": "[werkgever in de zorg]", "overheid": "[werkgever bij de overheid]",
                                              "onderwijs": "[werkgever in het onderwijs]"}},
    "en": {"client": "[client]", "employer": "[employer]", "commissioner": "[commissioner]",
           "doctor": "[company doctor]", "contact": "[contact at the commissioner]", "address": "[address]",
           "postcode": "[postcode]", "city": "[home town]", "email": "[e-mail]", "phone": "[phone number]",
           "job": "[job]", "birth_date": "[date of birth]", "person": "[person {n}]", "org": "[organisation {n}]",
           "place": "[place]", "url": "[website]", "handle": "[account]", "bsn": "[BSN]", "iban": "[IBAN]",
           "kvk": "[KvK number]", "plate": "[licence plate]", "date": "[date]", "year": "[year]",
           "age": "[aged {n} to {m}]", "week": "week {n}", "before": "before the coaching", "other": "[someone]",
           "also": "[removed]", "sector": {"zorg": "[employer in health care]", "overheid": "[public-sector employer]",
                                           "onderwijs": "[employer in education]"}},
}
_SECTORS = (("zorg", r"zorg|ziekenhuis|kliniek|umc|ggz|verpleeg|thuiszorg|apotheek|huisarts|care|hospital"),
            ("overheid", r"gemeente|provincie|ministerie|rijks|belasting|politie|defensie|uwv|waterschap|council"),
            ("onderwijs", r"school|college|lyceum|universiteit|hogeschool|onderwijs|academie|university"))
_EN_WORDS = frozenset("the and was she he her his with about that this they felt session week work".split())
_NL_WORDS = frozenset("de het een en van ze hij haar zijn met over dat dit werk sessie week gesprek".split())


@dataclass
class Result:
    lang: str
    sections: list[dict]  # {"title", "text"} in order, already anonymised
    replacements: dict[str, dict[str, str]] = field(default_factory=dict)  # kind -> {original: placeholder}
    risks: list[str] = field(default_factory=list)
    sessions: list[int] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    exposed: list[str] = field(default_factory=list)  # the kept values that leave the client's own name


def language(texts: list[str]) -> str:
    words = re.findall(r"[a-z]+", " ".join(texts).lower())
    return "en" if sum(w in _EN_WORDS for w in words) > sum(w in _NL_WORDS for w in words) else "nl"


def parse_range(text: str | None, n: int) -> list[int]:
    """``1-3,5`` -> [1, 2, 3, 5] (sessions by number in date order); None: all."""
    if not text:
        return list(range(1, n + 1))
    out: list[int] = []
    for part in text.split(","):
        m = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", part)
        if not m:
            raise InvalidInput("--sessions", text, "is not a range such as 1-4 or 2,5-7")
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        if lo < 1 or hi > n or lo > hi:
            raise InvalidInput("--sessions", text, f"is outside the client's {n} session(s)" if n else
                               "cannot be used: the client has no sessions")
        out += [i for i in range(lo, hi + 1) if i not in out]
    return out


class Pseudonyms:
    """One placeholder number per person or organisation, stable per client: ``store`` maps an
    HMAC tag (of client id, kind and folded name, under a secret kept in the vault) to
    (kind, number); the caller keeps it in the vault, so the names never are."""

    def __init__(self, secret: bytes, client_id: str, store: dict[str, tuple[str, int]]):
        self.secret, self.client_id, self.store = secret, client_id, store

    def number(self, kind: str, key: str) -> int:
        tag = hmac.new(self.secret, f"{self.client_id}|{kind}|{key}".encode(), hashlib.sha256).hexdigest()
        if tag not in self.store:
            n = 1 + max((num for k, num in self.store.values() if k == kind), default=0)
            self.store[tag] = (kind, n)
        return self.store[tag][1]


def _labels(client: dict, lang: str) -> dict:
    L = dict(LABELS[lang])
    employer = (client.get("employer") or "").lower()
    for sector, pattern in _SECTORS:
        if re.search(pattern, employer):
            L["employer"] = LABELS[lang]["sector"][sector]
            break
    used: dict[str, int] = {}
    for p in client.get("persons") or []:
        rel = (p.get("relation") or "").strip().lower()
        if not rel:
            p["_label"] = None
            continue
        used[rel] = used.get(rel, 0) + 1
        p["_label"] = f"[{rel}]" if used[rel] == 1 else f"[{rel} {used[rel]}]"
    return L


def anonymise(client: dict, *, sessions: str | None = None, keep: list[str] = (), also: list[str] = (),
              secret: bytes = b"", store: dict | None = None, lang: str | None = None) -> Result:
    """The anonymised case of ``client`` (canonical dossier/1 shape)."""
    all_sessions = sorted(client.get("sessions") or [], key=lambda s: s["date"])
    chosen = parse_range(sessions, len(all_sessions))
    picked = [all_sessions[i - 1] for i in chosen]
    texts = [client.get("background") or "", (client.get("assignment") or {}).get("goal") or ""]
    texts += [t for s in picked for t in (s.get("notes") or "", s.get("findings") or "")]
    lang = lang or language(texts)
    client = {**client, "persons": [dict(p) for p in client.get("persons") or []]}
    L = _labels(client, lang)
    pseudo = Pseudonyms(secret, client.get("id") or "", store if store is not None else {})
    for p in client["persons"]:
        if p["_label"] is None:
            p["_label"] = L["person"].format(n=pseudo.number("person", detect.fold(p["name"])))
    terms = detect.known_terms(client, L)
    common = detect.lists.common_words()
    start = dt.date.fromisoformat(all_sessions[0]["date"]) if all_sessions else None
    result = Result(lang=lang, sections=[], sessions=chosen)
    keep_f = [detect.fold(k) for k in keep if k.strip()]
    quasi: list[str] = []  # rare professions and events left in the text
    result.kept = [k for k in keep if k.strip()]

    def clean(text: str, when: str | None) -> str:
        if not text:
            return ""
        spans = detect.find_known(text, terms, common)
        spans += detect.find_misspelt(text, terms, spans)
        spans += detect.find_patterns(text) + detect.find_dates(text) + detect.find_ages(text)
        spans += detect.find_names(text, common) + detect.find_orgs(text) + detect.find_places(text, common)
        spans += [detect.Span(p.start, p.end, p.kind + "?", p.text, p.key) for p in detect.find_proper(text, common)]
        for a in also:
            for m in re.finditer(re.escape(a.strip()), text, re.I):
                spans.append(detect.Span(m.start(), m.end(), "known", m.group(), detect.fold(a), L["also"]))
        spans = detect.resolve(spans)
        spans = detect.resolve(spans + detect.extend_lists(text, spans))
        spans = [s for s in spans if detect.fold(s.text) not in keep_f]  # exactly what the coach named
        out, last = [], 0
        for s in spans:
            label = s.label or _placeholder(s, L, pseudo, start, when)
            out.append(text[last:s.start])
            out.append(label)
            last = s.end
            result.replacements.setdefault(s.kind if s.kind != "known" else "dossier", {})[s.text] = label
        out.append(text[last:])
        cleaned = "".join(out)
        quasi.extend(q.text.lower() for q in detect.find_quasi(cleaned))
        return cleaned

    when0 = all_sessions[0]["date"] if all_sessions else None
    result.sections.append({"key": "background", "text": clean(texts[0], when0)})
    result.sections.append({"key": "goal", "text": clean(texts[1], when0)})
    for number, s in zip(chosen, picked):
        week = (dt.date.fromisoformat(s["date"]) - start).days // 7 + 1
        result.sections.append({"key": "session", "number": number, "week": week, "duration": s.get("duration_min"),
                                "notes": clean(s.get("notes") or "", s["date"]),
                                "findings": clean(s.get("findings") or "", s["date"])})
    for key in ("questionnaires", "measurements"):
        for r in client.get(key) or []:
            week = (dt.date.fromisoformat(r["date"]) - start).days // 7 + 1 if r.get("date") and start else None
            when = r.get("date") or when0
            results = {clean(str(k), when): clean(v, when) if isinstance(v, str) else v
                       for k, v in (r.get("results") or {}).items()}  # free text may name anyone
            result.sections.append({"key": key, "name": clean(r.get("name") or r.get("kind") or "", when),
                                    "week": week, "results": results})
    result.risks = _risks(quasi, result.kept, client, lang)
    return result


def _placeholder(s, L: dict, pseudo: Pseudonyms, start, when: str | None) -> str:
    if s.kind.endswith("?"):  # a guess from capitals alone
        s.kind = s.kind[:-1]
    if s.kind == "name":
        return L["person"].format(n=pseudo.number("person", s.key))
    if s.kind == "org":
        return L["org"].format(n=pseudo.number("org", s.key))
    if s.kind == "age":
        n = int(s.key)
        return L["age"].format(n=n, m=n + 10)
    if s.kind == "date":
        return _relative(s.text, L, start, when) or L["date"]
    return L.get(s.kind, L["other"])


def _relative(text: str, L: dict, start, when: str | None) -> str | None:
    """A date as the week of the coaching it falls in ("week 3"); None when it cannot be read."""
    if start is None:
        return None
    t = text.lower()
    iso = re.search(r"((?:19|20)\d\d)-(\d\d)-(\d\d)", t)
    year = int(when[:4]) if when else start.year
    try:
        if iso:
            d = dt.date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        else:
            num = re.search(r"(\d{1,2})[-/.](\d{1,2})(?:[-/.](\d{2,4}))?", t)
            named = re.search(r"(\d{1,2})\D*?\s+([a-z]+)\.?(?:\s+(\d{4}))?|([a-z]+)\.?\s+(\d{1,2})\D*?(?:,?\s+(\d{4}))?", t)
            if num:
                y = int(num.group(3)) if num.group(3) else year
                d = dt.date(y + 2000 if y < 100 else y, int(num.group(2)), int(num.group(1)))
            elif named:
                day, month, y = (named.group(1), named.group(2), named.group(3)) if named.group(1) else \
                    (named.group(5), named.group(4), named.group(6))
                month_no = detect._MONTH.get(month) or detect._MONTH_ABBR.get(month[:3])
                if not month_no:
                    return None
                d = dt.date(int(y) if y else year, month_no, int(day))
            else:
                return None
    except ValueError:
        return None
    weeks = (d - start).days // 7 + 1
    return f"[{L['week'].format(n=weeks)}]" if weeks >= 1 else f"[{L['before']}]"


def _risks(quasi: list[str], kept: list[str], client: dict, lang: str) -> list[str]:
    nl = lang == "nl"
    out = []
    for word, n in sorted(Counter(quasi).items()):
        out.append((f"een zeldzaam beroep of opvallende gebeurtenis komt {n}x voor: '{word}'" if nl else
                    f"a rare profession or notable event appears {n} time(s): '{word}'"))
    if client.get("job_title"):
        out.append(("de functie van de cliënt is vervangen door [functie]; beschrijvingen van het werk kunnen de "
                    "cliënt nog herkenbaar maken" if nl else "the client's job title was replaced by [job]; descriptions "
                    "of the work may still make the client recognisable"))
    for k in kept:
        out.append((f"op uw verzoek niet vervangen: '{k}'" if nl else f"kept at your request: '{k}'"))
    return out
