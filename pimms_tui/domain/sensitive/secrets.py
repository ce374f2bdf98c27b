"""Secrets a note must never hold: passwords, credentials, card PINs, and a RIB written in words.

Everything is matched on a lower-case, accent-free copy of the note. A password keyword
("mot de passe", "mdp", "pass", "password", "code d'accès", ...) is refused with a value: after
a separator (":", "=", "est", "c'est"), or straight after the keyword or an account name when
the value looks like a secret (a digit, a symbol or a capital inside). A mention without a
value passes: "mot de passe oublié", "mdp perdu", "a réinitialisé son mot de passe". A pair
after an identifier keyword ("identifiants ameli : jdupont / Soleil75") is a credential. A card
PIN is four or six digits after a French phrase that names it ("code de la carte", "code CB",
"code confidentiel", "son code est").
"""

import re
from collections.abc import Iterator

from .checksums import rib_is_valid
from .folding import folded_with_positions

_PASSWORD_KEYWORD = (
    r"\b(?:mots?[\s\-]+de[\s\-]+passe|mdps?|m\.d\.p|passwords?|passwd|pwd"
    r"|pass(?![\s\-]+(?:navigo|culture|sport|famille|numerique|sante|rail|jeune|port))"
    r"|codes?[\s\-]+(?:d'acces|d\s+acces|acces|de[\s\-]+connexion|provisoire|d'activation"
    r"|secrets?|confidentiels?))\b"
)
_SEPARATOR = r"(?:[:=]|->|\best\b|\bis\b|\bc'est\b|\bcest\b)"
# Up to four words naming the account ("mot de passe du compte ameli") before a separator.
_QUALIFIER = r"(?:[ \t]+(?!(?:est|is|c'est|cest)\b)[^\s:=.,;!?]+){1,4}?(?=[ \t]*" + _SEPARATOR + ")"
_PASSWORD = re.compile(
    _PASSWORD_KEYWORD
    + f"(?P<qualifier>{_QUALIFIER})?"
    + rf"(?:(?P<separator>[ \t]*{_SEPARATOR}(?:[ \t]*(?:[:=]|le|la))?)\s*|[ \t]*)"
    + r"(?P<value>\S+)?"
)
# Keyword, then one or two words naming the account, then the value ("mdp ameli Soleil75").
_ACCOUNT_THEN_VALUE = re.compile(
    _PASSWORD_KEYWORD + r"(?P<words>(?:[ \t]+[a-z][a-z'\-]*){1,2})[ \t]+(?P<value>\S+)"
)
_IDENTIFIER_PAIR = re.compile(
    r"\b(?:identifiants?|ids?|logins?|user(?:name)?|utilisateur|connexion|codes?[\s\-]+d'acces)"
    r"\b[^:=\n]{0,40}?[:=]\s*(?P<first>[^\s/|,]{2,})"
    r"(?:\s*[/|,]\s*|\s+et\s+|\s+-\s+|\s+mdp\s*:?\s*)(?P<value>[^\s/|]+)"
)
_PIN = re.compile(
    r"\b(?:code(?:\s+(?:de\s+(?:la\s+|sa\s+|ma\s+|l'|une\s+)?)?"
    r"(?:carte(?:\s+(?:bancaire|bleue|cb|visa))?|cb|confidentiel|secret|pin|perso(?:nnel)?"
    r"|bancaire))?|pin)\b"
    r"(?:\s*(?:[:=]|->|\best\b|\bc'est\b|\bcest\b|\ble\b|\bde\b|\bsa\b|\bcarte\b|\bcb\b"
    r"|\bbancaire\b)\s*){0,4}\s*"
    r"(?P<value>(?<!\d)(?:\d{4}|\d{6}))"
    r"(?!\d|[/.,:h]\d|[€%]|\s*(?:€|eur|euros?|h\b|mois|jours?|ans?|essais?|chiffres?|caracteres?"
    r"|fois|min))"
)
_LABELLED_RIB = re.compile(
    r"\b(?:code\s+)?(?:banque|bq|etablissement|etab)\W{0,4}(?P<bank>\d{5})\W+"
    r"(?:code\s+)?(?:guichet|gui)\W{0,4}(?P<branch>\d{5})\W+"
    r"(?:n\W{0,2}\s*)?(?:de\s+)?(?:compte|cpte|cpt)\W{0,4}(?P<account>[0-9a-z]{11})\W+"
    r"(?:cle|key)(?:\s+rib)?\W{0,4}(?P<key>\d{2})\b"
)
_EDGE_PUNCTUATION = "\"'«»()[]{}.,;:!?"
# Words after a keyword in ordinary notes: never the password itself.
_NOT_A_VALUE_WORDS = """
    a ai au aux avec bien bloque bloques change changee changement changer ce cet cette
    compte correct cree creer d dans de demande deja depuis des doit du efface en encore
    envoye envoyee errone est et expire faire faux fois fourni il incorrect inconnu invalide
    l la le les lien ma mail modifie modifier mon n ne necessaire non note nouveau nouvelle
    ok oublie oublies oubliee oubliees ou par pas perdu perdus perdue pour provisoire recu
    recue refait refaire reinit reinitialise reinitialisee reinitialiser reinitialisation
    renouvele renouveler requis sa sans se ses sms son sont sur temporaire toujours trop un
    une valide via vide voir y elle lui sa fille fils courrier courriel mail email sms
    demander recuperer recupere retrouve retrouver generer genere regenere envoyer a-refaire
    identique inchange faible fort securise ne-pas connu inconnu personnel perso
    expired forgotten lost reset the to for of is
    mot mots mdp mdps pass passe password pwd code codes
"""
_NOT_A_VALUE = frozenset(_NOT_A_VALUE_WORDS.split())
# A keyword followed by one of these is a mention of the password, not the password.
_MENTION_WORDS = """
    oublie oublies oubliee oubliees perdu perdue perdus bloque bloquee expire expiree
    reinitialise reinitialisee reinitialiser reinitialisation reinit change changee changer
    modifie modifier renouvele renouveler errone incorrect faux refait refaire a-refaire
    trop provisoire temporaire recu recue envoye envoyee
"""
_MENTIONS = frozenset(_MENTION_WORDS.split())
_DATE_OR_AMOUNT = re.compile(
    r"\d{1,2}[/.\-]\d{1,2}(?:[/.\-]\d{2,4})?|\d+[.,]\d+(?:€|eur)?|\d+(?:€|eur|h\d*|min|mn)"
)


# A site's name after the keyword ("mot de passe impots.gouv") is where, not what.
_SITE = re.compile(r"(?:www\.)?[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.(?:gouv|fr|com|net|org|eu)(?:\.fr)?")


def _looks_secret(value: str) -> bool:
    """Whether a word found without a separator looks like a password or a code."""
    folded = value.lower()
    if len(value) < 4 or _DATE_OR_AMOUNT.fullmatch(folded) or _SITE.fullmatch(folded):
        return False
    has_digit = any(ch.isdigit() for ch in value)
    has_symbol = any(not ch.isalnum() and ch not in "'-" for ch in value)
    inner_upper = any(ch.isupper() for ch in value[1:]) and any(ch.islower() for ch in value)
    return has_digit or has_symbol or inner_upper


def _value(text: str, folded: str, positions: list[int], match: re.Match[str]) -> tuple[str, str]:
    """The value of a match as typed and as folded, without the punctuation around it."""
    raw = text[positions[match.start("value")] : positions[match.end("value")]]
    return raw.strip(_EDGE_PUNCTUATION), match.group("value").strip(_EDGE_PUNCTUATION)


def _password_spans(text: str, folded: str, positions: list[int]) -> Iterator[tuple[int, int]]:
    """Spans of a password keyword with a value, after a separator or straight after it."""
    for match in _PASSWORD.finditer(folded):
        if match.group("value") is None:
            continue
        raw_end = positions[match.end("value")]
        value, folded_value = _value(text, folded, positions, match)
        if not value or folded_value in _NOT_A_VALUE:
            continue
        qualifier = (match.group("qualifier") or "").split()
        mention = any(word.strip(_EDGE_PUNCTUATION) in _MENTIONS for word in qualifier)
        separated = match.group("separator") is not None and not mention
        whole = text[positions[match.start("value")] : raw_end]
        # Punctuation at the edges of a value can be part of it ("00!!"): a separated value is
        # long enough counted whole, as long as it is not punctuation only ("...").
        if (separated and (len(value) >= 3 or len(whole) >= 4)) or _looks_secret(value):
            yield positions[match.start()], raw_end


def _mentioned_before(folded: str, start: int) -> bool:
    """Whether the clause before a keyword says the password was forgotten, reset, lost..."""
    clause = re.split(r"[.;,!?\n]", folded[max(0, start - 30) : start])[-1]
    return any(word.strip("'") in _MENTIONS for word in clause.split())


def _account_spans(text: str, folded: str, positions: list[int]) -> Iterator[tuple[int, int]]:
    """Spans of a keyword, an account name, then a secret-looking value."""
    for match in _ACCOUNT_THEN_VALUE.finditer(folded):
        words = match.group("words").split()
        if any(word in _MENTIONS or word in _NOT_A_VALUE for word in words):
            continue
        value, folded_value = _value(text, folded, positions, match)
        if not any(ch.isalpha() for ch in value) and _mentioned_before(folded, match.start()):
            continue  # "réinitialiser le mot de passe, madame 06...": about it, not it
        if folded_value not in _NOT_A_VALUE and _looks_secret(value):
            yield positions[match.start()], positions[match.end("value")]


def _pair_spans(text: str, folded: str, positions: list[int]) -> Iterator[tuple[int, int]]:
    """Spans of an identifier keyword followed by "x / y": an account name and its password."""
    for match in _IDENTIFIER_PAIR.finditer(folded):
        value, folded_value = _value(text, folded, positions, match)
        first = match.group("first").strip(_EDGE_PUNCTUATION)
        if folded_value in _NOT_A_VALUE or first in _NOT_A_VALUE or len(value) < 3:
            continue
        if _DATE_OR_AMOUNT.fullmatch(first) and _DATE_OR_AMOUNT.fullmatch(folded_value):
            continue
        yield positions[match.start()], positions[match.end("value")]


def secret_findings(text: str) -> Iterator[tuple[int, int, str]]:
    """Yield (start, end, kind) of every password, credential, PIN or worded RIB in text."""
    folded, positions = folded_with_positions(text)
    for start, end in _password_spans(text, folded, positions):
        yield start, end, "password"
    for start, end in _account_spans(text, folded, positions):
        yield start, end, "password"
    for start, end in _pair_spans(text, folded, positions):
        yield start, end, "password"
    for match in _PIN.finditer(folded):
        yield positions[match.start()], positions[match.end("value")], "pin"
    for match in _LABELLED_RIB.finditer(folded):
        rib = "".join(match.group(name) for name in ("bank", "branch", "account", "key"))
        if rib_is_valid(rib):
            yield positions[match.start()], positions[match.end()], "rib"
