"""The passphrase rules: a real strength estimator (zxcvbn), not a length rule (design.md)."""

from __future__ import annotations

import re

from dossier.errors import WeakPassphrase

MIN_PASSPHRASE_SCORE = 3  # zxcvbn: "safely unguessable" against an offline attack is 3-4
# zxcvbn's dictionaries are English; these Dutch words (and the tool's own) are guessed early too.
DUTCH_WORDS = """dossier coach coaching vault kluis cliënt client praktijk geheim wachtwoord welkom hallo
zomer winter lente herfst zomervakantie vakantie voorjaar najaar januari februari maart april mei juni
juli augustus september oktober november december maandag dinsdag woensdag donderdag vrijdag zaterdag
zondag amsterdam rotterdam utrecht denhaag eindhoven groningen tilburg almere breda nijmegen arnhem
haarlem zwolle leiden maastricht delft nederland holland oranje ajax feyenoord psv liefde schat
schatje lieverd mama papa oma opa kinderen familie hond kat poes konijn fiets voetbal koffie thee
kaas drop stroopwafel gezondheid stress burnout ontspanning rust energie balans welzijn
""".split()


# Words of the vault itself: a passphrase made of them is guessed first, whatever zxcvbn's
# estimate of a sequence of words says ("dossiercoachvault" scored 3). They are taken out
# before the rest is scored.
OWN_WORDS = """dossier dossiers coach coaching coachpraktijk vault kluis cliënt client cliënten clients praktijk
practice geheim wachtwoord wachtzin password passphrase welkom sleutel key""".split()
ZXCVBN_MAX = 72  # zxcvbn refuses longer input; the rest of a longer passphrase only adds strength


def _words(texts) -> list[str]:
    return [w for t in texts for w in re.findall(r"[^\W\d_]{3,}", str(t).lower())]


def check_passphrase_strength(passphrase: str, user_inputs: tuple[str, ...] = ()) -> None:
    """Refuse a guessable passphrase with zxcvbn's reason. ``user_inputs``: the coach's and
    the practice's names (split into words), which are taken out with the vault's own words
    before the rest is scored. One rule for init, passwd, unlock-with-recovery and successor
    unlock (TB 2.13-2.15)."""
    if not passphrase or not passphrase.strip():
        raise WeakPassphrase("the passphrase is empty")
    import zxcvbn  # loads its dictionaries (about 0.1 s): only when a new passphrase is set

    own = sorted(set(OWN_WORDS + _words(user_inputs)), key=len, reverse=True)
    rest = passphrase
    for word in own:
        rest = re.sub(re.escape(word), " ", rest, flags=re.IGNORECASE)
    if not rest.strip(" -_.,!?0123456789"):
        raise WeakPassphrase("passphrase too weak: it is made of the words of your practice and of dossier itself",
                             "use four or more uncommon words")
    result = zxcvbn.zxcvbn(rest.strip()[:ZXCVBN_MAX], user_inputs=own + DUTCH_WORDS)
    if result["score"] < MIN_PASSPHRASE_SCORE:
        feedback = result.get("feedback") or {}
        reason = feedback.get("warning") or "it would be guessed too quickly"
        hint = " ".join(feedback.get("suggestions") or []) or "use four or more uncommon words"
        guesses = result.get("crack_times_display", {}).get("offline_slow_hashing_1e4_per_second", "")
        extra = f" (estimated time to guess: {guesses})" if guesses else ""
        raise WeakPassphrase(f"passphrase too weak: {reason.rstrip('.')}{extra}", hint)
