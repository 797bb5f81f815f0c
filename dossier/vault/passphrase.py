"""The passphrase rules: a real strength estimator (zxcvbn), not a length rule (design.md)."""

from __future__ import annotations

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


def check_passphrase_strength(passphrase: str, user_inputs: tuple[str, ...] = ()) -> None:
    """Refuse a guessable passphrase with zxcvbn's reason."""
    if not passphrase or not passphrase.strip():
        raise WeakPassphrase("the passphrase is empty")
    import zxcvbn  # loads its dictionaries (about 0.1 s): only when a new passphrase is set

    result = zxcvbn.zxcvbn(passphrase[:100], user_inputs=list(user_inputs) + DUTCH_WORDS)
    if result["score"] < MIN_PASSPHRASE_SCORE:
        feedback = result.get("feedback") or {}
        reason = feedback.get("warning") or "it would be guessed too quickly"
        hint = " ".join(feedback.get("suggestions") or []) or "use four or more uncommon words"
        guesses = result.get("crack_times_display", {}).get("offline_slow_hashing_1e4_per_second", "")
        extra = f" (estimated time to guess: {guesses})" if guesses else ""
        raise WeakPassphrase(f"passphrase too weak: {reason.rstrip('.')}{extra}", hint)
