"""Tests of the "never stored" guard: NIR, IBAN, card numbers and passwords are refused."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pimms_tui.domain.sensitive import (
    CARD_MESSAGE,
    IBAN_MESSAGE,
    NIR_MESSAGE,
    PASSWORD_MESSAGE,
    SensitiveDataError,
    SensitiveFinding,
    check_free_text,
    find_sensitive,
    iban_is_valid,
    luhn_is_valid,
    nir_is_valid,
)

# --- Builders of valid numbers ---------------------------------------------------------------


def nir_key(body: str) -> str:
    """The two-digit key of a 13-character NIR body (2A counts as 19, 2B as 18)."""
    number = int(body[:5] + {"2A": "19", "2B": "18"}.get(body[5:7], body[5:7]) + body[7:])
    return f"{97 - number % 97:02d}"


def iban_check_digits(country: str, bban: str) -> str:
    """The two check digits that make country + digits + bban a valid IBAN."""
    rearranged = bban + country + "00"
    number = int("".join(str(int(ch, 36)) for ch in rearranged))
    return f"{98 - number % 97:02d}"


def luhn_complete(partial: str) -> str:
    """partial followed by the Luhn check digit."""
    for digit in "0123456789":
        if luhn_is_valid(partial + digit):
            return partial + digit
    raise AssertionError("unreachable")


def split_at(text: str, sizes: list[int], separator: str) -> str:
    """text cut into consecutive groups of the given sizes, joined by separator."""
    groups, position = [], 0
    for size in sizes:
        groups.append(text[position : position + size])
        position += size
    if position < len(text):
        groups.append(text[position:])
    return separator.join(group for group in groups if group)


separators = st.sampled_from([" ", "", ".", "-"])

# --- Strategies --------------------------------------------------------------------------------


@st.composite
def nirs(draw: st.DrawFn) -> str:
    """A valid NIR (metropolitan, Corsican or overseas), formatted in one of the usual ways."""
    sex = draw(st.sampled_from("12"))
    year = f"{draw(st.integers(0, 99)):02d}"
    month = f"{draw(st.integers(1, 12)):02d}"
    place_kind = draw(st.sampled_from(["metro", "corsica", "overseas"]))
    if place_kind == "metro":
        place = f"{draw(st.integers(1, 95).filter(lambda d: d != 20)):02d}"
        place += f"{draw(st.integers(1, 999)):03d}"
        sizes = [1, 2, 2, 2, 3, 3]
    elif place_kind == "corsica":
        place = draw(st.sampled_from(["2A", "2B"])) + f"{draw(st.integers(1, 999)):03d}"
        sizes = [1, 2, 2, 2, 3, 3]
    else:
        place = f"{draw(st.integers(971, 976))}{draw(st.integers(1, 99)):02d}"
        sizes = [1, 2, 2, 3, 2, 3]
    body = sex + year + month + place + f"{draw(st.integers(1, 999)):03d}"
    nir = body + nir_key(body)
    layout = draw(st.sampled_from(["grouped", "compact", "key apart"]))
    if layout == "compact":
        return nir
    if layout == "key apart":
        return body + " " + nir[13:]
    return split_at(nir, sizes, draw(st.sampled_from([" ", ".", "-"])))


@st.composite
def ibans(draw: st.DrawFn) -> str:
    """A valid French or German IBAN, compact or in groups of four."""
    country = draw(st.sampled_from(["FR", "DE"]))
    length = 23 if country == "FR" else 18
    bban = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=length, max_size=length)))
    iban = country + iban_check_digits(country, bban) + bban
    if draw(st.booleans()):
        return iban
    return split_at(iban, [4] * 8, " ")


@st.composite
def cards(draw: st.DrawFn) -> str:
    """A Luhn-valid Visa/Mastercard (16 digits) or Amex (15 digits) number, with or without gaps.

    Each with its issuer's prefix: Visa 4, Mastercard 51-55 or 2221-2720, Amex 34 or 37.
    """
    if draw(st.booleans()):
        start = draw(st.sampled_from(["4", "51", "52", "53", "54", "55", "2221", "2720"]))
        size = 15 - len(start)
        digits = draw(st.text(alphabet="0123456789", min_size=size, max_size=size))
        number, sizes = luhn_complete(start + digits), [4, 4, 4, 4]
    else:
        start = draw(st.sampled_from(["34", "37"]))
        digits = draw(st.text(alphabet="0123456789", min_size=12, max_size=12))
        number, sizes = luhn_complete(start + digits), [4, 6, 5]
    separator = draw(st.sampled_from(["", " ", "-"]))
    return split_at(number, sizes, separator) if separator else number


SAFE_ALPHABET = "abcdefghijklmnopqrstuvwxyzéèàçôABCDEFGHIJKLMNOPQRSTUVWXYZ .,;:!?'()-"
WORDS = [
    "madame",
    "monsieur",
    "dossier",
    "CAF",
    "ameli",
    "rendez-vous",
    "le",
    "la",
    "pour",
    "numéro",
    "appelé",
    "orienté",
    "vers",
    "France",
    "Travail",
    "impôts",
    "retraite",
    "courrier",
    "reçu",
    "attestation",
]
surrounding = st.one_of(
    st.text(alphabet=SAFE_ALPHABET, max_size=40),
    st.lists(st.sampled_from(WORDS), max_size=8).map(" ".join),
)


def embed(prefix: str, secret: str, suffix: str) -> str:
    """secret inside ordinary text, cut off from it by spaces."""
    return f"{prefix} {secret} {suffix}"


def assert_refused(text: str, *kinds: str) -> None:
    """The guard refuses text and reports a finding of (one of) the given kind(s)."""
    with pytest.raises(SensitiveDataError) as caught:
        check_free_text(text)
    assert set(kinds) & {finding.kind for finding in caught.value.findings}, text


@settings(max_examples=200, deadline=None)
@given(prefix=surrounding, nir=nirs(), suffix=surrounding)
def test_valid_nir_in_text_is_refused(prefix: str, nir: str, suffix: str) -> None:
    """Any valid NIR, however formatted, is refused."""
    assert_refused(embed(prefix, nir, suffix), "nir")


@settings(max_examples=200, deadline=None)
@given(prefix=surrounding, iban=ibans(), suffix=surrounding)
def test_valid_iban_in_text_is_refused(prefix: str, iban: str, suffix: str) -> None:
    """Any valid IBAN, compact or grouped, is refused."""
    assert_refused(embed(prefix, iban, suffix), "iban")


# A reference label, maybe one more word ("client EDF"), at the end of the text before a number.
REFERENCE_LABEL_AT_END = re.compile(
    r"(?i)\b(?:pdl|prm|pce|contrat|facture|fact|r[ée]f|r[ée]f[ée]rence|dossier|colis|suivi"
    r"|client|abonn[ée]|compteur|allocataire|fiscal|spi|avis|siret|siren|commande|quittance"
    r"|police|sinistre|bordereau|recommand[ée]|lr|ar|ch[èe]que|chq)\b(?:\s+\S+)?[\W\s]*$"
)


@settings(max_examples=200, deadline=None)
@given(
    prefix=surrounding.filter(lambda text: not REFERENCE_LABEL_AT_END.search(text)),
    card=cards(),
    suffix=surrounding,
)
def test_valid_card_in_text_is_refused(prefix: str, card: str, suffix: str) -> None:
    """Any Luhn-valid card number, with or without gaps, is refused.

    (Typed in one piece straight after a reference label, "dossier 4970...", it is read as
    that reference: see test_a_compact_reference_after_its_label_is_accepted.) A 15-digit
    card number can also be a valid NIR (same length, key right by chance): it is refused
    all the same, reported as either (its grouping decides).
    """
    digits = "".join(c for c in card if c.isdigit())
    kinds = ("card", "nir") if len(digits) == 15 and nir_is_valid(digits) else ("card",)
    assert_refused(embed(prefix, card, suffix), *kinds)


@settings(max_examples=200, deadline=None)
@given(
    prefix=surrounding,
    keyword=st.sampled_from(["mot de passe", "Mot de passe", "MDP", "code secret", "password"]),
    separator=st.sampled_from([" : ", ": ", " = ", " est ", " is "]),
    secret=st.text(alphabet="abcdefXYZ0123456789!#", min_size=4, max_size=12),
    suffix=surrounding,
)
def test_password_with_value_is_refused(
    prefix: str, keyword: str, separator: str, secret: str, suffix: str
) -> None:
    """A password keyword followed by a separator and a value is refused.

    Four or six digits after "code secret" are reported as a card's code (a PIN).
    """
    assert_refused(embed(prefix, keyword + separator + secret, suffix), "password", "pin")


# --- Ordinary notes ----------------------------------------------------------------------------


@st.composite
def phones(draw: st.DrawFn) -> str:
    """A French phone number in one of the ways mediators write them."""
    national = (
        "0" + str(draw(st.integers(1, 9))) + draw(st.text("0123456789", min_size=8, max_size=8))
    )
    pairs = [national[i : i + 2] for i in range(0, 10, 2)]
    rest = national[1:]
    return draw(
        st.sampled_from(
            [
                " ".join(pairs),
                national,
                ".".join(pairs),
                "-".join(pairs),
                "+33 " + rest[0] + " " + " ".join(pairs[1:]),
                "+33" + rest,
                "0033 " + rest[0] + " " + " ".join(pairs[1:]),
                "0033" + rest,
                "+33 (0)" + rest[0] + " " + " ".join(pairs[1:]),
            ]
        )
    )


amounts = st.builds(
    lambda units, cents, thousands: (
        (f"{units:,}".replace(",", " ") if thousands else str(units)) + f",{cents:02d} €"
    ),
    st.integers(0, 99999),
    st.integers(0, 99),
    st.booleans(),
)
dates = st.builds(
    lambda d, m, y, sep: f"{d:02d}{sep}{m:02d}{sep}{y}",
    st.integers(1, 31),
    st.integers(1, 12),
    st.integers(1990, 2035),
    st.sampled_from(["/", ".", "-"]),
)
references = st.builds(
    lambda year, number, label: f"{label} {year}-{number:05d}",
    st.integers(2000, 2035),
    st.integers(0, 99999),
    st.sampled_from(["dossier", "réf.", "n°", "demande"]),
)
short_runs = st.text(alphabet="0123456789", min_size=1, max_size=11)
forgot_sentences = st.sampled_from(
    [
        "mot de passe oublié",
        "a oublié son mot de passe.",
        "réinitialiser le mot de passe",
        "Mot de passe perdu, réinitialisé avec elle",
        "le mot de passe est bloqué",
        "MDP expiré",
        "code secret de la carte perdu",
        "identifiant et mot de passe notés par la personne sur son carnet",
        "mot de passe de 8 caractères minimum",
        "mdp : oublié",
    ]
)
ordinary_items = st.one_of(phones(), amounts, dates, references, short_runs, forgot_sentences)


@st.composite
def ordinary_notes(draw: st.DrawFn) -> str:
    """A note mixing words with phones, amounts, dates, references and forgotten passwords."""
    items = draw(st.lists(ordinary_items, min_size=1, max_size=6))
    parts: list[str] = []
    for item in items:
        parts.append(" ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3))))
        parts.append(item)
    return " ".join(parts) + draw(st.sampled_from(["", ".", " !"]))


@settings(max_examples=200, deadline=None)
@given(note=ordinary_notes())
def test_ordinary_notes_are_accepted(note: str) -> None:
    """Phones, amounts, dates, references and forgotten passwords are not sensitive."""
    assert find_sensitive(note) == []
    check_free_text(note)


@settings(max_examples=200, deadline=None)
@given(numbers=st.lists(phones(), min_size=2, max_size=4), joiner=st.sampled_from([" ", ", "]))
def test_phone_numbers_side_by_side_are_accepted(numbers: list[str], joiner: str) -> None:
    """Several phone numbers one after the other never look like a card or a NIR."""
    assert find_sensitive(joiner.join(numbers)) == []


# --- Examples ----------------------------------------------------------------------------------

VALID_NIR = "1" + "85" + "05" + "78" + "006" + "084"
VALID_NIR += nir_key(VALID_NIR)


def test_example_nir_formats_are_refused() -> None:
    """The classic NIR example is caught compact, grouped, dotted and with the key apart."""
    assert VALID_NIR == "185057800608491"
    for text in [
        f"NIR {VALID_NIR}",
        "sécu 1 85 05 78 006 084 91.",
        "sécu 1.85.05.78.006.084.91",
        "sécu 1-85-05-78-006-084-91",
        "n° SS 1850578006084 91",
    ]:
        assert_refused(text, "nir")


def test_corsican_nir_is_refused() -> None:
    """NIRs of people born in Corsica (2A, 2B) are recognised with their special key."""
    for department in ["2A", "2B"]:
        body = "28505" + department + "006084"
        nir = body + nir_key(body)
        assert nir_is_valid(nir)
        assert_refused(f"née à Ajaccio, {nir}", "nir")
        assert_refused(f"née à Bastia, 2 85 05 {department} 006 084 {nir[13:]}", "nir")


def test_nir_with_wrong_key_is_accepted() -> None:
    """A 15-digit number whose last two digits are not the NIR key passes."""
    wrong = VALID_NIR[:13] + f"{int(VALID_NIR[13:]) % 97 + 1:02d}"
    assert not nir_is_valid(wrong)
    assert find_sensitive(f"numéro {wrong}") == []
    assert find_sensitive("numéro 1 85 05 78 006 084 92") == []


KNOWN_IBANS = [
    "FR76 3000 6000 0112 3456 7890 189",
    "DE89 3704 0044 0532 0130 00",
    "GB82 WEST 1234 5698 7654 32",
    "ES91 2100 0418 4502 0005 1332",
    "IT60 X054 2811 1010 0000 0123 456",
    "BE68 5390 0754 7034",
    "NL91 ABNA 0417 1643 00",
    "PT50 0002 0123 1234 5678 9015 4",
    "CH93 0076 2011 6238 5295 7",
    "LU28 0019 4006 4475 0000",
    "MC58 1122 2000 0101 2345 6789 030",
]


@pytest.mark.parametrize("iban", KNOWN_IBANS)
def test_known_ibans_are_refused(iban: str) -> None:
    """Registry examples of IBANs from common countries are refused, grouped or compact."""
    assert iban_is_valid(iban.replace(" ", ""))
    assert_refused(f"RIB : {iban}", "iban")
    assert_refused(f"iban {iban.replace(' ', '').lower()} donné", "iban")


def test_iban_with_bad_checksum_or_length_is_accepted() -> None:
    """A wrong check digit or a wrong length for the country is not an IBAN."""
    assert find_sensitive("FR77 3000 6000 0112 3456 7890 189") == []
    assert not iban_is_valid("FR7630006000011234567890")
    assert find_sensitive("FR76 3000 6000 0112 3456 7890") == []


@pytest.mark.parametrize(
    "card",
    ["4111 1111 1111 1111", "4111111111111111", "5555-5555-5555-4444", "3782 822463 10005"],
)
def test_example_cards_are_refused(card: str) -> None:
    """Test card numbers of the main networks are refused."""
    assert_refused(f"carte bancaire {card} exp 12/27", "card")


def test_luhn_invalid_sixteen_digits_are_accepted() -> None:
    """Sixteen digits that fail the Luhn check are not a card number."""
    assert not luhn_is_valid("4111111111111112")
    assert find_sensitive("référence 4111 1111 1111 1112") == []
    assert find_sensitive("référence 4111111111111112") == []


def test_long_or_badly_prefixed_runs_are_accepted() -> None:
    """A 20-digit run, or a Luhn-valid run starting with 0, 1, 7, 8 or 9, is no card."""
    assert find_sensitive("suivi colis 41111111111111110000") == []
    valid_from_one = luhn_complete("1" + "0" * 14)
    assert find_sensitive(f"suivi {valid_from_one}") == []


@pytest.mark.parametrize(
    "phone",
    [
        "06 12 34 56 78",
        "0612345678",
        "06.12.34.56.78",
        "+33 6 12 34 56 78",
        "+33612345678",
        "0033 6 12 34 56 78",
        "+44 20 7946 0958",
    ],
)
def test_phone_numbers_are_accepted(phone: str) -> None:
    """Phone numbers, French or foreign, are never sensitive."""
    check_free_text(f"rappeler au {phone} demain")


@pytest.mark.parametrize(
    "note",
    [
        "Mot de passe : Azerty123!",
        "mdp: soleil",
        "MDP = Soleil75",
        "son mot de passe est Chat2019",
        "code secret 1234",
        "code confidentiel : 4321",
        "password is hunter2",
        "pwd=abc",
        "identifiant et mot de passe : jdupont / Bonjour2024",
        "mot de passe du compte ameli : Azerty12",
        "Mot de passe :\nSoleil",
        "mot de pàsse : Érable",
    ],
)
def test_passwords_with_a_value_are_refused(note: str) -> None:
    """A password or secret code written with its value is refused."""
    assert_refused(note, "password", "pin")


@pytest.mark.parametrize("note", ["mot de passe : 00!!", "password is 00!!", "MDP = ab!#"])
def test_short_values_with_punctuation_are_refused(note: str) -> None:
    """Punctuation at the edges of a value is part of it: "00!!" is a password."""
    assert_refused(note, "password")


def test_an_amex_number_that_is_also_a_nir_is_refused() -> None:
    """3453 063349 30109 passes Luhn and is a valid NIR: refused, whichever it is taken for."""
    assert_refused("carte 3453 063349 30109 donnée", "card", "nir")


@pytest.mark.parametrize(
    "note",
    [
        "mot de passe oublié",
        "A oublié son mot de passe.",
        "réinitialiser le mot de passe",
        "Mot de passe perdu",
        "le mot de passe est expiré",
        "MDP bloqué après 3 essais",
        "mot de passe réinitialisé, changé avec elle",
        "code secret de la carte à refaire",
        "mdp : oublié",
        "mot de passe oublié : réinitialisation faite",
        "mot de passe de 8 caractères",
        "mot de passe ameli",
        "mdp 3 fois erroné",
        "a noté son mot de passe sur un carnet",
    ],
)
def test_forgotten_passwords_are_accepted(note: str) -> None:
    """Writing that someone forgot or reset a password is allowed."""
    assert find_sensitive(note) == []


def test_finding_spans_and_messages() -> None:
    """Findings point at the offending text, in reading order, with the matching reason."""
    text = "NIR 185057800608491, carte 4111 1111 1111 1111, mdp : Soleil75"
    findings = find_sensitive(text)
    assert [finding.kind for finding in findings] == ["nir", "card", "password"]
    assert [text[f.start : f.end] for f in findings] == [
        "185057800608491",
        "4111 1111 1111 1111",
        "mdp : Soleil75",
    ]
    assert [f.message for f in findings] == [NIR_MESSAGE, CARD_MESSAGE, PASSWORD_MESSAGE]
    assert findings[0] == SensitiveFinding("nir", 4, 19, NIR_MESSAGE)


def test_a_card_run_inside_an_iban_is_one_finding() -> None:
    """Digits inside an IBAN are reported once, as an IBAN."""
    findings = find_sensitive("FR76 3000 6000 0112 3456 7890 189")
    assert [f.kind for f in findings] == ["iban"]
    assert findings[0].message == IBAN_MESSAGE


def test_error_carries_findings() -> None:
    """The error is a ValueError holding every finding and an English message."""
    with pytest.raises(ValueError, match="social security") as caught:
        check_free_text("NIR 185057800608491 et 1 85 05 78 006 084 91")
    assert isinstance(caught.value, SensitiveDataError)
    assert len(caught.value.findings) == 2
    assert caught.value.message.startswith("This note cannot be saved")
    assert caught.value.params["reasons"] == NIR_MESSAGE


@pytest.mark.parametrize("text", ["", "   ", "Bonjour", "🙂 مرحبا", "\x1b[31m", "a" * 5000])
def test_harmless_or_odd_text_is_accepted(text: str) -> None:
    """Empty, emoji, right-to-left and control text are accepted without error."""
    check_free_text(text)


# --- What the first guard let through or refused wrongly ---------------------------------------


@pytest.mark.parametrize(
    ("note", "kind"),
    [
        ("secu 185 05 78 006 084 91", "nir"),
        ("sécu 1850 5780 0608 491", "nir"),
        ("NIR 18505 78006 08491", "nir"),
        ("n° SS 1 85 05 78 006 084", "nir"),
        ("num secu 1850578006084 (sans la clé)", "nir"),
        ("carte vitale : 1-85-05-78-006-084", "nir"),
        ("iban FR76 30006 00001 12345678901 89", "iban"),
        ("RIB 30006 00001 12345678901 89", "rib"),
        ("rib 30006000011234567890189", "rib"),
        ("banque 30006 guichet 00001 compte 12345678901 clé 89", "rib"),
        ("code de la carte 1234", "pin"),
        ("code CB : 4321", "pin"),
        ("son code est 0852", "pin"),
        ("le code de sa carte bleue est le 1234", "pin"),
        ("pass : Soleil75", "password"),
        ("pass ameli Soleil75", "password"),
        ("identifiants ameli : jdupont / Soleil75", "password"),
        ("identifiant : m.diallo93 - Bonjour2024", "password"),
        ("mdp caf Marie2019", "password"),
        ("login jdupont mdp Azerty12", "password"),
        ("login : jdupont / mdp : Soleil75", "password"),
        ("identifiants : jdupont , soleil", "password"),
        ("code d'accès : 4B7K2X", "password"),
    ],
)
def test_groupings_and_phrasings_once_missed_are_refused(note: str, kind: str) -> None:
    """NIR grouped otherwise or without key, IBAN as a RIB, RIB alone, PIN and credentials."""
    assert_refused(note, kind)


@pytest.mark.parametrize(
    "note",
    [
        "a réinitialisé son mot de passe impots.gouv",
        "réinitialisation du mot de passe faite",
        "mdp perdu",
        "mot de passe : voir avec sa fille",
        "mdp : reinit par sms",
        "mot de passe ameli changé le 12/03/2024",
        "pass navigo perdu",
        "code postal 75011",
        "code confidentiel reçu par courrier le 12/03",
        "PDL 1234 5678 9012 34",
        "n° fiscal 1 85 05 78 006 084",
        "client EDF 4866199463617782",
        "contrat n° 4111111111111111",
        "num secu a demander",
        "identifiant : jdupont, mdp oublié",
        "identifiant : jdupont et mot de passe perdu",
        "identifiant : jean-pierre",
        "id ameli: 12345678 - mdp: 8 caracteres",
    ],
)
def test_mentions_and_references_once_refused_are_accepted(note: str) -> None:
    """A password forgotten or reset, and references that pass a checksum by chance, pass."""
    assert find_sensitive(note) == []


def test_a_card_number_typed_in_groups_after_a_reference_label_is_still_refused() -> None:
    """Only a number typed in one piece after "contrat" is read as the contract's number."""
    assert_refused("contrat 4111 1111 1111 1111", "card")
    assert_refused("CB contrat 4111111111111111", "card")
