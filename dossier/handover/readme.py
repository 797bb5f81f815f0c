"""The README of a bundle, for the colleague who receives it (TB 2.28): what it is, how to
open it with or without dossier, and what they now owe the clients. Plain text in Dutch and
English (README.txt, readable anywhere), and the same as a letter in PDF (README.pdf)."""

from __future__ import annotations

from dossier.render import long_date

REASON_WORDS = {
    "nl": {"closure": "beëindiging van de praktijk", "incapacity": "arbeidsongeschiktheid van de coach",
           "referral": "doorverwijzing"},
    "en": {"closure": "the practice is closing", "incapacity": "the coach cannot work",
           "referral": "referral"},
}


def _paragraphs(m: dict, lang: str) -> list[str]:
    sender = (", ".join(x for x in (m["sender"]["name"], m["sender"].get("practice")) if x)
              or ("de afzender" if lang == "nl" else "the sender"))
    n = len(m["clients"])
    reason = REASON_WORDS[lang][m["reason"]]
    fp = m["sender"]["fingerprint"]
    made = long_date(m["created"][:10], lang)
    if lang == "nl":
        return [
            f"Dit is een overdracht van {n} cliëntdossier{'s' if n != 1 else ''} van {sender} aan "
            f"{m['recipient']['name']}, gemaakt op {made}. Reden: {reason} (Gedragscode TB 2.28).",
            "Alles wat de coach over deze cliënten bewaarde zit erin: per cliënt een map clients/<id>/ met "
            "dossier.pdf (het dossier om te lezen), dossier.json (het volledige dossier in het open formaat "
            "dossier/1) en de bijlagen in attachments/ (de oorspronkelijke bestandsnamen staan hieronder en in "
            "dossier.json). manifest.json somt elk bestand op met zijn SHA-256; manifest.sig is de handtekening "
            f"van de afzender daarover. Vingerafdruk van de afzender: {fp}. Controleer die telefonisch.",
            "Met dossier: voeg de afzender toe met 'dossier contacts add NAAM identiteit.json', controleer de "
            "bundel met 'dossier handover verify BESTAND' en neem hem op met 'dossier handover import BESTAND'. "
            "De herkomst blijft bij elke cliënt bewaard.",
            "Zonder dossier: 'age -d -i uw-sleutel.txt -o overdracht.tar BESTAND' en daarna "
            "'tar -xf overdracht.tar' in een map die alleen u kunt lezen. Vergelijk de uitkomst van "
            "'sha256sum' met manifest.json. Hoe de handtekening werkt staat in docs/handover-format.md van dossier.",
            "Deze gegevens vallen onder uw geheimhoudingsplicht (CSR 6, TB 2.27). Bewaar ze versleuteld, "
            "en wis het uitgepakte archief zodra de dossiers veilig zijn opgenomen.",
        ]
    return [
        f"This hands over {n} client file{'s' if n != 1 else ''} from {sender} to {m['recipient']['name']}, "
        f"made on {made}. Reason: {reason} (code of conduct TB 2.28).",
        "It holds everything the coach kept about these clients: per client a folder clients/<id>/ with "
        "dossier.pdf (the file to read), dossier.json (the whole file in the open dossier/1 format) and the "
        "attachments in attachments/ (their original names are listed below and in dossier.json). "
        "manifest.json lists every member with its SHA-256; manifest.sig is the sender's signature of it. "
        f"The sender's fingerprint: {fp}. Check it by phone.",
        "With dossier: add the sender with 'dossier contacts add NAME identity.json', check the bundle with "
        "'dossier handover verify FILE' and import it with 'dossier handover import FILE'. Where each client "
        "came from is kept with the client.",
        "Without dossier: 'age -d -i your-key.txt -o handover.tar FILE', then 'tar -xf handover.tar' in a "
        "folder only you can read. Compare the output of 'sha256sum' with manifest.json. "
        "docs/handover-format.md of dossier explains the signature.",
        "These data fall under your duty of confidentiality (CSR 6, TB 2.27). Keep them encrypted, and wipe "
        "the unpacked archive once the files are safely imported.",
    ]


def _listing(m: dict, attachments: dict[str, list[dict]]) -> list[str]:
    lines = []
    for c in m["clients"]:
        lines.append(f"clients/{c['id']}/  {c['first_name']} {c['last_name']}")
        for a in attachments.get(c["id"], []):
            lines.append(f"    attachments/{a['id']}  {a['filename']}")
    return lines


def text(m: dict, attachments: dict[str, list[dict]]) -> bytes:
    """README.txt: Dutch, then English, then the folders and file names."""
    parts = ["LEESMIJ — overdracht van cliëntdossiers", ""]
    parts += [p + "\n" for p in _paragraphs(m, "nl")]
    parts += ["", "README — handover of client files", ""]
    parts += [p + "\n" for p in _paragraphs(m, "en")]
    parts += ["", "Inhoud / Contents", ""] + _listing(m, attachments)
    return ("\n".join(parts) + "\n").encode("utf-8")


def letter(m: dict, practice: dict, lang: str) -> dict:
    """README.pdf as a letter on the sender's letterhead."""
    nl = lang == "nl"
    n = len(m["clients"])
    return {"lang": lang, "date": m["created"][:10], "practice": practice, "to": [m["recipient"]["name"]],
            "subject": ("Overdracht van cliëntdossiers" if nl else "Handover of client files") + f" ({n})",
            "paragraphs": _paragraphs(m, lang),
            "quotes": [{"heading": "Inhoud" if nl else "Contents",
                        "text": "\n\n".join(f"{c['first_name']} {c['last_name']}: clients/{c['id']}/"
                                            for c in m["clients"])}],
            "signature": practice.get("coach", "")}
