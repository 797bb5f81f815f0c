"""Finding what identifies: spans of text with a kind, most certain first.

1. What the dossier knows (``known``): the client's names in every form (titles, initials,
   possessives, prefixes, a capital "De" at a sentence start, small misspellings), the third
   persons, employer, commissioner, company doctor, address, postcode, city, e-mail, phone.
2. Identifiers found by pattern and validated by a library: e-mail, URL, handle, phone
   (phonenumbers), BSN and IBAN (python-stdnum, checksums), postcode, KvK, licence plate,
   street and number, dates, years and ages.
3. Other names, organisations and places, from titles, deduce's name and place lists, and
   organisation words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dossier.anonymise import lists
from dossier.format.fields import fold

TITLES = r"(?:dr|drs|mr|prof|ir|ing|mevr|mw|dhr|mevrouw|meneer|de heer|juf|meester|professor)"
TITLES_EN = r"(?:Mrs|Ms|Miss|Mister|Mr|Dr|Sir|Prof)"  # case-sensitive: "ms" is also milliseconds
PREFIXES = ("van", "de", "der", "den", "het", "ter", "ten", "te", "op", "in", "'t", "el", "al", "la", "le", "du",
            "von", "vander", "van der", "van den", "van de", "in 't", "op de", "uit den")
_PREFIX_RE = r"(?:(?:[Vv]an|[Dd]e|[Dd]er|[Dd]en|[Tt]er|[Tt]en|[Tt]e|[Oo]p|[Ii]n|'t|[Ee]l|[Aa]l|[Ll]a|[Ll]e|[Dd]u|[Vv]on)\s+)"
_CAP = r"[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’\-]+"
# Acronyms that are methods, roles or terms in coaching notes, not names or organisations.
KEEP_ACRONYMS = frozenset("""ACT RET EMDR HRV ADHD ADD PTSS PTSD CGT GGZ MT HR ICT CEO CFO ZZP OR IC KPI NL VS EU
OK TV PC AI IT PR BHV SOLK DSM GGD OCD ASS RSI CVS MRI BMI OV NS HBO MBO WO VWO HAVO VMBO PABO BSN IBAN KVK
AOW WW WIA WAO HRM FTE CAO ARBO PDF GP NHS CV UK US USA BBC RMSSD SDNN PHQ GAD UBOS BDI SCL DASS MBI DKL SEH SMART
DESC GROW STAR ABC SOLL SOS HSP BRAVO CSR NOBCO EMCC ICF NOLOC""".split())
ORG_ACRONYMS = frozenset("""UMC UMCG LUMC AMC VUMC KLM UWV ING AH ABN KPN ASML SVB CBR CJIB DUO BELASTINGDIENST
VU UVA TU HAN HVA HU RIVM TNO NOS RTL AVRO KNVB PSV AJAX DSM SHELL PHILIPS NXP TATA RABO""".split())
ORG_WORDS = (r"(?:B\.?V\.?|N\.?V\.?|V\.?O\.?F\.?|Holding|Groep|Group|Ltd|Inc|GmbH)")
ORG_HEADS = (r"(?:Stichting|Gemeente|Provincie|Ziekenhuis|Hogeschool|Universiteit|Basisschool|Scholengemeenschap|"
             r"Vereniging|Zorggroep|Thuiszorg|Woningcorporatie|Ministerie|Rechtbank|Politie|Bank|Kliniek|Praktijk|"
             r"Arbodienst|Bedrijf|Firma|Kerk|Moskee|Sportclub|Voetbalclub|Hockeyclub|Tennisclub|Roeivereniging|"
             r"Academie|College|Lyceum|Gymnasium|Fonds|Instituut|University|School|Hospital|Council|Company)")
ORG_TAILS = (r"(?:Ziekenhuis|Zorg|Groep|Bank|College|Lyceum|Academie|Kliniek|Hogeschool|Universiteit|Logistiek|"
             r"Techniek|Bouw|Advies|Software|Consultancy|Solutions|Services|Installatietechniek|Gemeente)")
MONTHS_NL = ("januari februari maart april mei juni juli augustus september oktober november december").split()
MONTHS_EN = ("january february march april may june july august september october november december").split()
_MONTH_ABBR = {m[:3]: i + 1 for i, m in enumerate(MONTHS_NL)} | {m[:3]: i + 1 for i, m in enumerate(MONTHS_EN)}
_MONTH = {m: i + 1 for i, m in enumerate(MONTHS_NL)} | {m: i + 1 for i, m in enumerate(MONTHS_EN)}
_MONTH_RE = r"(?:" + "|".join(sorted(set(MONTHS_NL + MONTHS_EN), key=len, reverse=True)) + \
    r"|jan|feb|mrt|apr|jun|jul|aug|sep|sept|okt|oct|nov|dec)\.?"
_WEEKDAY = r"(?:maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_UNITS = {"een": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7, "acht": 8, "negen": 9}
_TENS = {"twintig": 20, "dertig": 30, "veertig": 40, "vijftig": 50, "zestig": 60, "zeventig": 70, "tachtig": 80,
         "negentig": 90}
_TEENS = {"tien": 10, "elf": 11, "twaalf": 12, "dertien": 13, "veertien": 14, "vijftien": 15, "zestien": 16,
          "zeventien": 17, "achttien": 18, "negentien": 19, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
          "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
_EN_UNITS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
_EN_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
            "ninety": 90}
RARE_PROFESSIONS = frozenset("""wethouder burgemeester gedeputeerde kamerlid minister staatssecretaris rechter
officier notaris deurwaarder predikant dominee pastoor imam rabbijn bisschop dirigent componist sterrenkundige
astronaut piloot gezagvoerder profvoetballer voetballer topsporter olympiër schaatser wielrenner kampioen
hoogleraar rector directeur-generaal ambassadeur generaal kolonel commandant hoofdcommissaris burgemeesterse
schrijver schrijfster presentator presentatrice nieuwslezer acteur actrice zanger zangeres cabaretier
kinderarts neurochirurg cardioloog chirurg anesthesist huisarts tandarts veearts apotheker
mayor judge pilot conductor astronomer professor ambassador senator footballer olympian surgeon""".split())
EVENT_WORDS = re.compile(r"\b(?:kampioen\w*|champion\w*|Elfstedentocht|Olympische|Olympics|medaille|medal|"
                         r"prijs(?:winnaar)?|award|onderscheiding|lintje|finale|wereldrecord|record)\b", re.I)


@dataclass
class Span:
    start: int
    end: int
    kind: str
    text: str
    key: str = ""  # what makes two spans the same person or thing (for consistent placeholders)
    label: str = ""  # a fixed placeholder (known entities, generalised values)


def _add(spans: list, m, kind: str, key: str = "", label: str = "", group: int = 0) -> None:
    spans.append(Span(m.start(group), m.end(group), kind, m.group(group), key or fold(m.group(group)), label))


# -- 1. what the dossier knows ------------------------------------------------------------------------

def _name_variants(first: str, last: str) -> list[str]:
    """``Noëlle``, ``Dijkstra``, ``Noëlle Dijkstra``, ``N. Dijkstra``, ``van der Berg`` -> also
    ``Van der Berg`` and ``Berg``; initials ``N.D.``."""
    out = set()
    first, last = first.strip(), last.strip()
    parts = last.split()
    core = [p for p in parts if p.lower() not in PREFIXES]
    for f in ([first] if first else []):
        out.add(f)
        out |= {f.split("-")[0]} if "-" in f else set()
        # a short form that is itself a first name: Dan for Daniel, Sas for Saskia, Bas for Sebastiaan
        out |= {f[:n] for n in range(3, len(f)) if f[:n] in lists.first_names()}
        out |= {f[:n] for n in range(3, 6) if len(f) >= 6}  # Dan for Daniel, Chris for Christiaan
    if last:
        out.add(last)
        out.add(last[0].upper() + last[1:])
        if core and core != parts:
            out.add(" ".join(core))
    if first:
        out.add(f"{first[0]}.")  # the initial alone, as hasty notes write it (matched as written)
    if first and last:
        out.add(f"{first} {last}")
        out.add(f"{first[0]}. {last}")
        out.add(f"{first[0]}.{core[0][0] if core else last[0]}.")
    return [v for v in out if len(v) >= 2]


def known_terms(client: dict, labels: dict) -> list[tuple[str, str, str]]:
    """(text, kind, label) for everything the record knows, longest first."""
    terms: list[tuple[str, str, str]] = []
    def names(first: str, last: str, kind: str, label: str) -> None:
        firsts = set(_name_variants(first, ""))
        for v in _name_variants(first, last):
            short = v in firsts and (len(v) <= 2 or v != first and v not in lists.first_names())
            terms.append((v, kind, label, "exact" if short else "" if v in firsts or " " in v else "surname"))

    names(client.get("first_name", ""), client.get("last_name", ""), "client", labels["client"])
    for p in client.get("persons") or []:
        bits = p["name"].split()
        names(bits[0] if bits else "", " ".join(bits[1:]), "person", p["_label"])
    cm = client.get("commissioner") or {}
    for value, label in ((client.get("employer"), labels["employer"]), (cm.get("organisation"), labels["commissioner"]),
                         (cm.get("company_doctor"), labels["doctor"]), (cm.get("contact"), labels["contact"])):
        if value:
            terms.append((value, "org" if label in (labels["employer"], labels["commissioner"]) else "person", label))
            # the organisation without its legal form, the contact without "(HR-adviseur)"
            short = re.sub(r"\s*(\(.*\)|,.*|\bB\.?V\.?|\bN\.?V\.?)\s*$", "", value).strip()
            if short and short != value and len(short) >= 3:
                terms.append((short, "org" if label in (labels["employer"], labels["commissioner"]) else "person",
                              label))
            for bit in re.findall(r"(?:Drs?\.|Mr\.|Prof\.)?\s*(?:[A-Z]\.\s*)*" + _CAP + r"(?:\s+" + _CAP + ")?", short):
                bit = bit.strip()
                if label in (labels["doctor"], labels["contact"]) and len(bit) >= 4:
                    terms.append((bit, "person", label))
    for key, label in (("address", labels["address"]), ("postcode", labels["postcode"]), ("city", labels["city"]),
                       ("email", labels["email"]), ("phone", labels["phone"]), ("job_title", labels["job"])):
        value = (client.get(key) or "").strip()
        if len(value) >= (2 if key == "city" else 3):
            terms.append((value, key, label))
    if client.get("birth_date"):
        y, m, d = client["birth_date"].split("-")
        for v in (client["birth_date"], f"{int(d)}-{int(m)}-{y}", f"{d}-{m}-{y}", f"{int(d)}/{int(m)}/{y}"):
            terms.append((v, "birth_date", labels["birth_date"]))
    return sorted({(t + ("",))[:4] for t in terms}, key=lambda t: -len(t[0]))


def find_known(text: str, terms, common: frozenset[str]) -> list[Span]:
    spans = []
    for term, kind, label, *rest in terms:
        flags = re.IGNORECASE
        if " " not in term and (term.lower() in common or (rest and rest[0] in ("surname", "exact"))):
            flags = 0  # a surname (Bakker, King, Roos) or a word: only when written as a name
        body = re.escape(term).replace(r"\ ", r"\s+")
        title = rf"(?:(?:(?i:{TITLES})|{TITLES_EN})\.?\s+)?" if kind in ("client", "person") else ""
        pattern = rf"(?<![\w@.]){title}{body}(?:'s|’s|'|s(?=\W)|t?je[s]?)?(?![\w@])" if kind in ("client", "person") \
            else rf"(?<![\w@]){body}(?![\w@])"
        for m in re.finditer(pattern, text, flags):
            spans.append(Span(m.start(), m.end(), "known", m.group(), fold(term), label))
    return spans


def find_misspelt(text: str, terms, taken) -> list[Span]:
    """Words within a small edit distance of a known name (Noortje / Nortje / Noortjes)."""
    from rapidfuzz import fuzz

    names = {t: lab for t, kind, lab, _ in terms if kind in ("client", "person") and " " not in t and len(t) >= 4}
    spans = []
    covered = bytearray(len(text))
    for s in taken:
        covered[s.start:s.end] = b"\1" * (s.end - s.start)
    for m in re.finditer(r"\b[\wÀ-ÿ'’]{4,}\b", text):
        if covered[m.start()]:
            continue
        word = m.group()
        for name, label in names.items():
            if word[0].lower() == name[0].lower() and fold(word) != fold(name) and \
                    fuzz.ratio(fold(word), fold(name)) >= 85 and abs(len(word) - len(name)) <= 2:
                spans.append(Span(m.start(), m.end(), "known", word, fold(name), label))
                break
    return spans


# -- 2. identifiers by pattern ----------------------------------------------------------------------------

def find_patterns(text: str) -> list[Span]:
    spans: list[Span] = []
    for m in re.finditer(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+", text):
        _add(spans, m, "email")
    for m in re.finditer(r"\b(?:https?://|www\.)[^\s<>()]+[^\s<>().,;:!?]", text, re.I):
        _add(spans, m, "url")
    for m in re.finditer(r"\b[\w\-]+\.(?:nl|com|org|net|be|eu|io|me)(?:/[^\s]*)?\b", text):
        if "@" not in text[max(0, m.start() - 1):m.start()]:
            _add(spans, m, "url")
    for m in re.finditer(r"(?<![\w.@])@[A-Za-z0-9_][A-Za-z0-9_.]{1,29}", text):
        _add(spans, m, "handle")
    _iban(text, spans)
    _bsn(text, spans)
    _phones(text, spans)
    for m in re.finditer(r"\b[1-9]\d{3}\s?[A-Z]{2}\b", text):
        from stdnum.nl import postcode

        if postcode.is_valid(m.group()) and m.group()[-2:] not in ("SA", "SD", "SS"):
            _add(spans, m, "postcode")
    for m in re.finditer(r"\b(?:KvK|kvk|KVK|Kamer van Koophandel)(?:[\s\-]*(?:nummer|nr\.?|no\.?))?[\s:]*(\d{8})\b", text):
        _add(spans, m, "kvk", group=1)
    for m in re.finditer(r"\b(?:[A-Z]{2}-\d{2}-\d{2}|\d{2}-\d{2}-[A-Z]{2}|\d{2}-[A-Z]{2}-\d{2}|[A-Z]{2}-\d{2}-[A-Z]{2}|"
                         r"[A-Z]{2}-[A-Z]{2}-\d{2}|\d{2}-[A-Z]{2}-[A-Z]{2}|\d{2}-[A-Z]{3}-\d|\d-[A-Z]{3}-\d{2}|"
                         r"[A-Z]{2}-\d{3}-[A-Z]|[A-Z]-\d{3}-[A-Z]{2}|[A-Z]{3}-\d{2}-[A-Z]|\d-[A-Z]{2}-\d{3}|"
                         r"[A-Z]-\d{2}-[A-Z]{3})\b", text):
        _add(spans, m, "plate")
    street = r"(?:straat|weg|laan|plein|gracht|kade|singel|dijk|pad|hof|dreef|park|steeg|markt|wal|baan|ring|erf|veld|" \
             r"dam|burgwal|street|road|lane|avenue)"
    for m in re.finditer(rf"\b(?:{_CAP}\s)?{_CAP[:-1]}*{street}\s+\d+\s?[a-zA-Z]?\b", text):
        _add(spans, m, "address")
    # a street named without its number ("de kruising Haagweg"), and roads (A1, N201)
    for m in re.finditer(rf"\b[A-Z][a-zà-ÿ]{{2,}}{street}\b", text):
        before = text[max(0, m.start() - 30):m.start()].split()
        after_name = bool(before) and before[-1][:1].isupper()  # Marcel Hoogendijk: a surname
        if m.group() not in lists.surnames() and not after_name:
            _add(spans, m, "address")
    for m in re.finditer(r"\b[AN]\d{1,3}\b", text):
        _add(spans, m, "place")
    return spans


def _iban(text: str, spans: list) -> None:
    from stdnum import iban

    for m in re.finditer(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,3})?\b", text):
        candidate = m.group()
        # the longest prefix that is a valid IBAN (a sentence may go on after it)
        for cut in range(len(candidate), 14, -1):
            if iban.is_valid(candidate[:cut]):
                spans.append(Span(m.start(), m.start() + cut, "iban", candidate[:cut], fold(candidate[:cut])))
                break


def _bsn(text: str, spans: list) -> None:
    from stdnum.nl import bsn

    for m in re.finditer(r"(?<![\d\-+])(\d{4}\.?\d{2}\.?\d{3}|\d{3}[\s.]?\d{3}[\s.]?\d{3})(?![\d\-])", text):
        if bsn.is_valid(re.sub(r"\D", "", m.group(1))):
            _add(spans, m, "bsn", group=1)


def _phones(text: str, spans: list) -> None:
    import phonenumbers

    for region in ("NL", "BE", "GB"):
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE):
            raw = match.raw_string
            # a valid number, or an international one in a range that is merely possible (+44 7700 …);
            # never a time or an amount such as "20.00"
            if phonenumbers.is_valid_number(match.number) or \
                    (raw.lstrip().startswith(("+", "00")) and len(re.sub(r"\D", "", raw)) >= 10):
                spans.append(Span(match.start, match.end, "phone", raw, fold(raw)))
    # an international number the matcher skipped (inside brackets, an unusual range)
    for m in re.finditer(r"(?<![\w+])(?:\+|00)[1-9]\d{0,2}(?:[\s\-.]?\(?\d{1,5}\)?){2,6}", text):
        if 9 <= len(re.sub(r"\D", "", m.group())) <= 15:
            _add(spans, m, "phone")


def find_dates(text: str) -> list[Span]:
    """Dates with or without a year, numeric dates, years; the value is parsed where it can be."""
    spans: list[Span] = []
    day = r"(?:[0-3]?\d)(?:e|ste|de|st|nd|rd|th)?"
    for m in re.finditer(rf"\b(?:{_WEEKDAY},?\s+)?{day}\s+{_MONTH_RE}(?:\s+(?:19|20)\d\d)?\b", text, re.I):
        _add(spans, m, "date")
    for m in re.finditer(rf"\b{_MONTH_RE}\s+{day}(?:,?\s+(?:19|20)\d\d)?\b", text, re.I):
        if re.search(r"\d", m.group()):
            _add(spans, m, "date")
    for m in re.finditer(rf"\b{_MONTH_RE}\s+(?:19|20)\d\d\b", text, re.I):
        _add(spans, m, "date")
    for m in re.finditer(r"\b(?:19|20)\d\d-[01]\d-[0-3]\d\b|\b[0-3]?\d[-/.][01]?\d(?:[-/.](?:19|20)?\d\d)?\b", text):
        if not re.fullmatch(r"\d+\.\d+", m.group()):  # 4.5 is a number, not a date
            _add(spans, m, "date")
    for m in re.finditer(r"\b(?:19[2-9]\d|20[0-3]\d)\b", text):
        _add(spans, m, "year")
    for m in re.finditer(rf"\b{day}\s+of\s+{_MONTH_RE}(?:,?\s+(?:19|20)\d\d)?\b", text, re.I):
        _add(spans, m, "date")
    # a month alone ("in maart", "eind april") still dates an event; English months only capitalised
    for m in re.finditer(r"\b(?:(?:begin|eind|half|medio|early|late|mid)[\s\-])?(" + "|".join(MONTHS_NL) + r")\b", text, re.I):
        _add(spans, m, "date")
    for m in re.finditer(r"(?<!^)(?<![.!?]\s)\b(?:January|February|March|April|May|June|July|August|September|"
                         r"October|November|December)\b", text):
        _add(spans, m, "date")
    return spans


def _number_word(word: str) -> int | None:
    w = word.lower().replace("ë", "e").replace("-", "")
    w = re.sub(r"(?:ste|de|th)$", "", w) if not w.endswith(("tien", "teen")) else w  # zeventiende -> zeventien
    if w in _TEENS:
        return _TEENS[w]
    if w in _UNITS or w in _EN_UNITS:
        return _UNITS.get(w) or _EN_UNITS[w]
    for tens, value in {**_TENS, **_EN_TENS}.items():
        if w == tens:
            return value
        if w.endswith(tens):
            head = w[: -len(tens)]
            for joiner in ("en", ""):
                unit = head[: -len(joiner)] if joiner and head.endswith(joiner) else head
                if unit in _UNITS or unit in _EN_UNITS:
                    return value + (_UNITS.get(unit) or _EN_UNITS[unit])
    return None


def find_ages(text: str) -> list[Span]:
    spans: list[Span] = []
    number = r"(\d{1,3}|[a-zë\-]{5,25})"
    # an age, not a duration ("werkt al 22 jaar", "3 years ago" stay): "38 jaar oud", "38-jarige",
    # "is 38 (jaar)", "een vrouw van 38", "aged 38", "a 52-year-old", "(38)"
    lead = r"(?:is|was|wordt|werd|ben|bent|nu|pas|van|aged|age|turned|turns|leeftijd van)"
    young = rf"(?:jongen|meisje|zoon|dochter|kind|kleinkind|broer|zus|boy|girl|son|daughter|child)(?:\s+{_CAP})?\s+van"
    patterns = [rf"\b{number}\s*(?:jaar\s+oud|-?jarige?|years?\s+old|[\s\-]years?[\s\-]old)\b",
                rf"\b{lead}\s+{number}(?:\s+jaar)?\b(?!\s+(?:jaar\s+)?(?:bij|geleden|lang|in dienst|getrouwd|samen))",
                rf"\(({'|'.join(['[0-9]{1,2}', *_TEENS, *_UNITS, *_TENS])})(?:\s+jaar)?[),]",
                rf"\b(?:{young}|op (?:haar|zijn|mijn) |at (?:her|his) )\s*{number}\b"]
    for i, pattern in enumerate(patterns):
        for m in re.finditer(pattern, text, re.I):
            raw = m.group(1)
            value = int(raw) if raw.isdigit() else _number_word(raw)
            if value is None or not (1 if i >= 2 else 16) <= value <= 99:
                continue  # durations ("3 jaar") and other numbers stay
            end = m.end() - 1 if i == 2 else m.end(1) if i == 3 else m.end()
            spans.append(Span(m.start(1), end, "age", text[m.start(1):end], str(value // 10 * 10)))
    return spans


# -- 3. other names, organisations, places --------------------------------------------------------------

def _sentence_start(text: str, i: int) -> bool:
    before = text[:i].rstrip()
    return not before or before[-1] in ".!?:\n\"“(" or before.endswith("- ")


def find_names(text: str, common: frozenset[str]) -> list[Span]:
    first, last = lists.first_names(), lists.surnames()
    spans: list[Span] = []
    surname = rf"(?:{_PREFIX_RE}?{_CAP}(?:-{_CAP})?)"
    # titled people: dr. Amrani, mw. Yilmaz, dhr. K., mevrouw Van den Berg, prof. de Graaf
    for m in re.finditer(rf"\b((?i:{TITLES})|{TITLES_EN})\.?\s+((?:[A-Z]\.\s?)*(?:{surname}(?:\s+{_CAP})?|[A-Z]\.))", text):
        if m.group(2)[0].isupper() or m.group(2).split()[0].lower() in PREFIXES:
            _add(spans, m, "name", key=fold(m.group(2)))
    # initials and surname: J.P. Smit, P. de Vries
    for m in re.finditer(rf"\b((?:[A-Z]\.\s?){{1,3}}){surname}", text):
        _add(spans, m, "name")
    # a first name from the list, with a surname after it if there is one
    # (the surname after it is looked at, not consumed, so "Collega Pieter Bos" still finds Pieter Bos)
    for m in re.finditer(rf"(?<![\w@])({_CAP})(?=((?:\s+{_PREFIX_RE}*{_CAP}(?:-{_CAP})?)?)(?:'s|’s|')?(?!\w))", text):
        word, rest = m.group(1), m.group(2)
        bare = word.rstrip("'’")
        is_first = bare in first or (bare.endswith("s") and bare[:-1] in first and len(bare) > 4)
        follows = bool(rest.strip()) and rest.split()[-1] in last
        if not (is_first or bare in last):
            continue
        if bare.lower() in common and not follows and (_sentence_start(text, m.start()) or bare.lower() in
                                                         lists.EXTRA_COMMON and not is_first):
            continue
        if _sentence_start(text, m.start()) and not is_first and not follows:
            continue  # a capitalised word at a sentence start that is only a surname: too often a word
        end = m.end(2) if (follows or (rest.strip() and rest.split()[-1][0].isupper() and is_first)) else m.end(1)
        spans.append(Span(m.start(), end, "name", text[m.start():end], fold(text[m.start():end].rstrip("'’s"))))
    # bare initials: PJ, J.P. (not acronyms of methods or terms)
    for m in re.finditer(r"(?<![\w.])(?:[A-Z]\.){2,3}(?!\w)|(?<![\w.])[A-Z]{2}(?![\w.])", text):
        token = m.group().replace(".", "")
        if token not in KEEP_ACRONYMS and token not in ORG_ACRONYMS:
            _add(spans, m, "name")
    return spans


def find_orgs(text: str) -> list[Span]:
    spans: list[Span] = []
    for m in re.finditer(rf"\b{ORG_HEADS}(?:\s+(?:{_PREFIX_RE}|{_CAP}|[A-Z]{{2,}}|&)){{1,4}}", text):
        _add(spans, m, "org")
    for m in re.finditer(rf"\b(?:{_CAP}\s+){{0,3}}{_CAP}\s+{ORG_WORDS}", text):
        _add(spans, m, "org")
    for m in re.finditer(rf"\b(?:(?:[Hh]et|[Dd]e)\s+)?(?:{_CAP}\s+){{1,3}}(?:Universiteit|College|Centrum|Medisch Centrum|"
                         rf"Festival|Ziekenhuis|Bank|Groep|Lyceum|Academie|Kliniek|Gemeente)\b|\bFestival(?:\s+{_CAP}){{1,3}}", text):
        _add(spans, m, "org")
    for m in re.finditer(rf"\b{_CAP[:-1]}*{ORG_TAILS}\b", text):
        if m.group() not in ("Zorg", "Bank", "College", "Gemeente", "Groep"):
            _add(spans, m, "org")
    for m in re.finditer(r"(?<![\w.])[A-Z][A-Za-z]{1,7}(?!\w)", text):
        if m.group().upper() in ORG_ACRONYMS and (m.group().isupper() or m.group() in ("UvA", "Rabo")):
            _add(spans, m, "org")
    for m in re.finditer(r"\b(?:Rabobank|ABN AMRO|Albert Heijn|Jumbo|Lidl|Aldi|Philips|Shell|Unilever|Heineken|"
                         r"Booking\.com|Coolblue|Bol\.com|Achmea|Aegon|Nationale-Nederlanden|Randstad|Tempo-Team|"
                         r"Belastingdienst|Defensie|Politie|Rijkswaterstaat|ProRail|Schiphol|Erasmus MC|Radboudumc)\b", text):
        _add(spans, m, "org")
    return spans


def find_places(text: str, common: frozenset[str]) -> list[Span]:
    places = lists.places()
    spans: list[Span] = []
    for m in re.finditer(rf"(?<![\w@])({_CAP}(?:[\s\-](?:aan|op|an|bij|in|de|den|der|{_CAP})){{0,3}})", text):
        words = m.group(1).split()
        for n in range(len(words), 0, -1):
            cand = " ".join(words[:n])
            if cand in places and (cand.lower() not in common or n > 1) and len(cand) >= 2:
                spans.append(Span(m.start(1), m.start(1) + len(cand), "place", cand, fold(cand)))
                break
    return spans


_NOT_PROPER = frozenset("""Ik Ze Hij Zij We Wij Je Jij U Het De Een Dat Dit Die Deze Er Daar Toen Nu Ook En Maar Of Als Na
Voor In Op Bij Met Van Naar Om Over Uit Wel Niet Geen Dus Want Toch Nog Al I She He We They It The A An This That
Then Now Also And But Or If After Before In On At With From To For About Her His My Our Their Huiswerk Afspraak
Bevindingen Intake Sessie Gesprek Doel Terugblik Volgende Verder Vandaag Gisteren Morgen Thuis Werk Maandag Dinsdag
Woensdag Donderdag Vrijdag Zaterdag Zondag Monday Tuesday Wednesday Thursday Friday Saturday Sunday Kerst Pasen
Christmas Easter God Koningsdag Ramadan Suikerfeest English Dutch Nederlands Engels Frans Duits Spaans Turks
Marokkaans Arabisch French German Spanish Turkish Arabic Nederlandse Engelse Internet Teams Zoom Excel CSR
NOBCO EMCC TotalBalance""".split())
_ABBREVIATIONS = frozenset("e.g. i.e. a.s. o.a. z.s.m. m.a.w. d.w.z. b.v. t.z.t. i.p.v. n.a.v. c.q. e.d. m.b.t. t.a.v. "
                           "i.v.m. p.m. a.m. v.s. n.b. z.o.z. o.b.v.".split())
_CAPW = r"[A-ZÀ-ÖØ-Þ][\wà-öø-ÿ'’\-]+"  # a capitalised word, inner capitals allowed (TivoliVredenburg)
_CAPS = rf"{_CAPW}(?:[\s\-](?:{_CAPW}|aan|op|an|de|den|der|upon|on)){{0,3}}"


def find_proper(text: str, common: frozenset[str]) -> list[Span]:
    """Capitalised words in the middle of a sentence that no list knows: after a place word
    ("in", "naar", "from") a place; after "bij", "voor", "at", "for" an organisation; two
    or more in a row a person. In Dutch and English running text, a capital in mid-sentence
    is nearly always a proper noun."""
    spans: list[Span] = []
    first = lists.first_names()
    for m in re.finditer(rf"(?<![\w@])({_CAPS})(?![\w@])", text):
        words = m.group(1).split()
        if _sentence_start(text, m.start()) or words[0] in _NOT_PROPER or words[0].lower() in _MONTH:
            continue
        before = text[max(0, m.start() - 12):m.start()].lower().split()
        prev = before[-1] if before else ""
        prev2 = before[-2] if len(before) > 1 else ""
        if prev in ("in", "naar", "uit", "nabij", "rond", "from", "to", "near", "around", "via") or \
                (prev in ("de", "het", "the") and prev2 in ("in", "naar", "uit", "to", "from")):
            kind = "place" if words[0] not in first else "name"
        elif prev in ("bij", "voor", "tegen", "at", "for", "with", "joined", "by", "against") or \
                (prev in ("de", "het", "the") and prev2 in ("bij", "voor", "at", "for", "with", "van")):
            kind = "org" if words[0] not in first else "name"
        elif len(words) >= 2:
            kind = "name"
        elif m.group(1).lower() in common or len(m.group(1)) < 3:
            continue
        else:
            kind = "name" if words[0] in first else "proper"
        if kind != "proper":
            spans.append(Span(m.start(1), m.end(1), kind, m.group(1), fold(m.group(1))))
    # upper-case abbreviations that are not methods or terms: organisations (NRC, WKZ)
    for m in re.finditer(r"(?<![\w.])[A-Z]{3,6}(?![\w])(?!-(?:\d|methode|model|test|schaal|lijst|score|method))", text):
        if m.group() not in KEEP_ACRONYMS:
            _add(spans, m, "org")
    # mixed initials (MvdL, JvB) and a lone initial mid-sentence (R., K.)
    for m in re.finditer(r"(?<![\w.])[A-Z][a-z]{0,3}[A-Z][A-Za-z]{0,2}(?![\w])", text):
        if m.group() not in KEEP_ACRONYMS and m.group().upper() not in ORG_ACRONYMS and len(m.group()) <= 5:
            _add(spans, m, "name")
    for m in re.finditer(r"(?<=[a-z,]\s)[A-Z]\.(?=\s+[a-z,]|[,;)])", text):
        _add(spans, m, "name")
    # hasty notes: a place from the list written in lower case after a place word ("in rosmalen")
    for m in re.finditer(r"\b(?:in|naar|uit|te|from|to)\s+([a-z][a-z\-]{2,24})\b", text):
        if m.group(1).capitalize() in lists.places() and m.group(1) not in common:
            _add(spans, m, "place", group=1)
    # lower-case initials (d.k.), not abbreviations such as z.s.m. or e.g.
    for m in re.finditer(r"(?<![\w.])[a-z]\.[a-z]\.(?![\w.])", text):
        if m.group() not in _ABBREVIATIONS:
            _add(spans, m, "name")
    # hasty notes: a lower-case first name before an initial, or after a word for a relative
    kin = r"(?:met|en|\+|&|collega|zus|broer|vriendin|vriend|buurvrouw|buurman|moeder|vader|partner|told|with|colleague)"
    for m in re.finditer(rf"(?:(?<!\w){kin}\s+|\()([a-z]{{3,12}})(?:\s+[a-z]\.)?(?!\w)|\b([a-z]{{3,12}})\s+[a-z]\.(?=[\s),;]|$)", text):
        w = m.group(1) or m.group(2)
        if w.capitalize() in first and w not in lists.EXTRA_COMMON:
            g = 1 if m.group(1) else 2
            spans.append(Span(m.start(g), m.end(), "name", text[m.start(g):m.end()], fold(w)))
    return spans


def extend_lists(text: str, spans: list[Span]) -> list[Span]:
    """A capitalised word joined to a found place, organisation or name by "en", "and", a
    comma, "&" or a parenthesis is most likely of the same kind ("Chili en Zuid-Afrika",
    "Meer (Hoogstraten)", "Rijkswaterstaat en Wagenborg")."""
    found = {(s.start, s.end) for s in spans}
    out: list[Span] = []
    for s in spans:
        if s.kind not in ("place", "org", "name", "place?", "org?", "name?"):
            continue
        m = re.match(rf"\s*(?:,|&|\(|\ben\b|\band\b|\bof\b|\bor\b)\s*((?:[Tt]he\s+)?{_CAP}(?:[\s\-]{_CAP}){{0,2}})",
                     text[s.end:s.end + 60])
        if m and m.group(1).split()[0] not in _NOT_PROPER | {"The"} or (m and m.group(1).startswith("The ")):
            start = s.end + m.start(1)
            if (start, s.end + m.end(1)) not in found:
                out.append(Span(start, s.end + m.end(1), s.kind.rstrip("?") + "?", m.group(1), fold(m.group(1))))
    return out


def find_quasi(text: str) -> list[Span]:
    spans: list[Span] = []
    for m in re.finditer(r"\b[a-zà-ÿ\-]{4,}\b", text):
        w = m.group().lower()
        if w in RARE_PROFESSIONS or (w.endswith("s") and w[:-1] in RARE_PROFESSIONS):
            _add(spans, m, "profession")
    for m in EVENT_WORDS.finditer(text):
        _add(spans, m, "event")
    return spans


def resolve(spans: list[Span]) -> list[Span]:
    """Keep the most certain span wherever spans overlap: known, then identifiers, then the rest;
    among equals the longer one. An e-mail address or a web address ranks with the known terms,
    so that a name found inside one (noelle@utrecht-zorg.nl) does not leave the rest behind."""
    rank = {"known": 0, "email": 0, "url": 0, "iban": 1, "bsn": 1, "phone": 2, "kvk": 2, "plate": 2, "postcode": 2,
            "address": 3, "date": 4, "age": 4, "name": 5, "org": 6, "place": 7, "year": 8}
    # (find_proper's guesses come last: a list or a pattern knows better)
    chosen: list[Span] = []
    taken = bytearray(max((s.end for s in spans), default=0))  # one flag per character
    for s in sorted(spans, key=lambda s: (rank.get(s.kind, 9), -(s.end - s.start), s.start)):
        if not any(taken[s.start:s.end]):
            chosen.append(s)
            taken[s.start:s.end] = b"\1" * (s.end - s.start)
    return sorted(chosen, key=lambda s: s.start)
