"""A labelled corpus of desk notes, half of them holding what must never be stored, half benign.

The notes are written the way a mediator types them between two visitors: abbreviations, no
accents or wrong ones, typos, mixed case, numbers grouped every which way. Each number is
drawn by a seeded generator with valid check digits (NIR key, IBAN and RIB mod-97, Luhn with
an issuer prefix), so the same corpus comes back on every run. Benign notes are full of the
numbers a desk handles (amounts, dates, phones, invoice, contract, delivery-point, tax, CAF
and file numbers, postcodes) and of mentions of passwords without the password.

    from tests.data.notes_corpus import corpus
    for note in corpus():   # Note(text, kind): kind is "benign" or the kind the guard reports
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

SEED = 20261207
DIGITS = "0123456789"


@dataclass(frozen=True)
class Note:
    """One note and its label: "benign", or the kind of never-stored data it holds."""

    text: str
    kind: str

    @property
    def sensitive(self) -> bool:
        """Whether the note must be refused."""
        return self.kind != "benign"


# --- Numbers with valid check digits -----------------------------------------------------------


def digits(rng: random.Random, count: int) -> str:
    """count random digits."""
    return "".join(rng.choice(DIGITS) for _ in range(count))


def nir_key(body: str) -> str:
    """The two-digit key of a 13-character NIR body (2A counts as 19, 2B as 18)."""
    number = int(body[:5] + {"2A": "19", "2B": "18"}.get(body[5:7], body[5:7]) + body[7:])
    return f"{97 - number % 97:02d}"


def nir_body(rng: random.Random) -> str:
    """A NIR without its key: sex, year, month, department and commune, order."""
    sex = rng.choice("12")
    year = f"{rng.randint(30, 99) if rng.random() < 0.8 else rng.randint(0, 8):02d}"
    month = f"{rng.randint(1, 12):02d}" if rng.random() < 0.95 else str(rng.randint(20, 42))
    kind = rng.random()
    if kind < 0.8:
        place = f"{rng.choice([d for d in range(1, 96) if d != 20]):02d}{rng.randint(1, 999):03d}"
    elif kind < 0.9:
        place = rng.choice(["2A", "2B"]) + f"{rng.randint(1, 999):03d}"
    else:
        place = f"{rng.randint(971, 976)}{rng.randint(1, 99):02d}"
    return sex + year + month + place + f"{rng.randint(1, 999):03d}"


def rib_key(bank: str, branch: str, account: str) -> str:
    """The two-digit key of a French RIB."""
    return f"{97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97:02d}"


def iban_check(country: str, bban: str) -> str:
    """The two check digits that make country + check + bban a valid IBAN."""
    number = int("".join(str(int(ch, 36)) for ch in bban + country + "00"))
    return f"{98 - number % 97:02d}"


BANKS = ["30004", "30003", "30002", "20041", "10278", "11306", "16606", "30066", "40618", "17515"]


def rib(rng: random.Random) -> tuple[str, str, str, str]:
    """Bank, branch, account and key of a valid French RIB."""
    bank, branch, account = rng.choice(BANKS), digits(rng, 5), digits(rng, 11)
    return bank, branch, account, rib_key(bank, branch, account)


def luhn_complete(partial: str) -> str:
    """partial followed by its Luhn check digit."""
    total = 0
    for position, char in enumerate(reversed(partial)):
        value = int(char) * (1 if position % 2 else 2)
        total += value - 9 if value > 9 else value
    return partial + str((10 - total % 10) % 10)


def card(rng: random.Random) -> str:
    """A Visa, CB Mastercard or Amex number (issuer prefix, length, Luhn)."""
    network = rng.choice(["visa", "visa", "mc", "mc2", "amex"])
    if network == "visa":
        return luhn_complete("4" + digits(rng, 14))
    if network == "mc":
        return luhn_complete(str(rng.randint(51, 55)) + digits(rng, 13))
    if network == "mc2":
        return luhn_complete(str(rng.randint(2221, 2720)) + digits(rng, 11))
    return luhn_complete(rng.choice(["34", "37"]) + digits(rng, 12))


def cut(text: str, sizes: list[int], separator: str) -> str:
    """text cut into groups of the given sizes (the rest in a last group), joined."""
    groups, position = [], 0
    for size in sizes:
        groups.append(text[position : position + size])
        position += size
    groups.append(text[position:])
    return separator.join(group for group in groups if group)


def grouped_nir(rng: random.Random, number: str) -> str:
    """A NIR (with or without key) the way someone types it."""
    way = rng.randrange(9)
    if way == 0:
        return number
    if way == 1:
        return cut(number, [1, 2, 2, 2, 3, 3], " ")
    if way == 2:
        return cut(number, [1, 2, 2, 2, 3, 3], rng.choice([".", "-"]))
    if way == 3:
        return cut(number, [13], " ")
    if way == 4:
        return cut(number, [3, 2, 2, 3, 3], " ")
    if way == 5:
        return cut(number, [4, 4, 4], " ")
    if way == 6:
        return cut(number, [5, 5], " ")
    if way == 7:
        return cut(number, [1, 4, 2, 3, 3], " ")
    return cut(number, [7], " ")


def grouped_card(rng: random.Random, number: str) -> str:
    """A card number the way it is read off the card, or typed in one piece."""
    sizes = [4, 6, 5] if len(number) == 15 else [4, 4, 4, 4]
    way = rng.randrange(5)
    if way == 0:
        return number
    if way == 1:
        return cut(number, sizes, "-")
    if way == 2:
        return cut(number, [8], " ")
    return cut(number, sizes, " ")


def french_iban(rng: random.Random) -> tuple[str, str]:
    """A French IBAN grouped in one of the usual ways, and its compact form."""
    bank, branch, account, key = rib(rng)
    bban = bank + branch + account + key
    iban = "FR" + iban_check("FR", bban) + bban
    way = rng.randrange(7)
    if way == 0:
        text = iban
    elif way in (1, 2):
        text = cut(iban, [4] * 7, " ")
    elif way == 3:
        text = f"{iban[:4]} {bank} {branch} {account} {key}"
    elif way == 4:
        text = cut(iban, [4] * 7, " ").lower()
    elif way == 5:
        text = f"FR {iban[2:4]} " + cut(iban[4:], [4] * 6, " ")
    else:
        text = cut(iban, [4] * 7, "-")
    return text, iban


def foreign_iban(rng: random.Random) -> str:
    """A Belgian, German, Spanish, Portuguese or Italian IBAN grouped by fours."""
    country, size = rng.choice([("BE", 12), ("DE", 18), ("ES", 20), ("PT", 21), ("LU", 16)])
    bban = digits(rng, size)
    iban = country + iban_check(country, bban) + bban
    return cut(iban, [4] * 8, " ") if rng.random() < 0.7 else iban


def grouped_rib(rng: random.Random) -> str:
    """A RIB alone, grouped as on the paper slip or typed in one piece."""
    bank, branch, account, key = rib(rng)
    way = rng.randrange(5)
    if way == 0:
        return bank + branch + account + key
    if way == 1:
        return f"{bank}-{branch}-{account}-{key}"
    if way == 2:
        return f"banque {bank} guichet {branch} compte {account} cle {key}"
    if way == 3:
        return f"code banque {bank} code guichet {branch} n° de compte {account} clé RIB {key}"
    return f"{bank} {branch} {account} {key}"


def phone(rng: random.Random) -> str:
    """A French or foreign phone number as it is written down."""
    national = "0" + rng.choice("1234567") + digits(rng, 8)
    pairs = [national[i : i + 2] for i in range(0, 10, 2)]
    way = rng.randrange(9)
    if way == 0:
        return " ".join(pairs)
    if way == 1:
        return national
    if way == 2:
        return ".".join(pairs)
    if way == 3:
        return "+33 " + national[1] + " " + " ".join(pairs[1:])
    if way == 4:
        return "+33" + national[1:]
    if way == 5:
        return "+213 " + rng.choice("567") + digits(rng, 2) + " " + cut(digits(rng, 6), [2, 2], " ")
    if way == 6:
        return "00 212 6 " + cut(digits(rng, 8), [2, 2, 2], " ")
    if way == 7:
        return "+351 9" + digits(rng, 2) + " " + digits(rng, 3) + " " + digits(rng, 3)
    return "-".join(pairs)


def amount(rng: random.Random) -> str:
    """A sum of money as written at a desk."""
    units = rng.choice([rng.randint(5, 99), rng.randint(100, 999), rng.randint(1000, 25000)])
    cents = rng.randint(0, 99)
    way = rng.randrange(5)
    if way == 0:
        return f"{units},{cents:02d} €"
    if way == 1:
        return f"{units}€"
    if way == 2:
        return f"{units:,}".replace(",", " ") + f",{cents:02d} euros"
    if way == 3:
        return f"{units} eur"
    return f"{units}.{cents:02d}e"


def day(rng: random.Random) -> str:
    """A date as written at a desk."""
    d, m, y = rng.randint(1, 28), rng.randint(1, 12), rng.randint(2023, 2027)
    return rng.choice([f"{d:02d}/{m:02d}/{y}", f"{d}/{m}", f"{d:02d}.{m:02d}.{y % 100:02d}"])


# --- Notes -------------------------------------------------------------------------------------

Maker = Callable[[random.Random], str]

WHO = ["Mme", "M.", "mme", "Mr", "la personne", "le monsieur", "la dame", "madame", "Monsieur"]
WHERE = ["ameli", "la CAF", "impots.gouv", "France Travail", "ANTS", "son espace EDF", "la MSA"]
ACCOUNTS = ["ameli", "caf", "impots", "FT", "pole emploi", "edf", "laposte", "gmail", "ants"]
SECRETS = [
    "Soleil75",
    "Azerty123!",
    "Marie2019",
    "chat.noir44",
    "Bonjour2024",
    "P@ssw0rd",
    "Loulou13*",
    "NINA2010",
    "mimi93200",
    "Kevin-1987",
    "Rayan2015!",
    "Fatou#77",
    "jardin1234",
    "Printemps24",
    "abc123456",
    "Doudou06",
]
LOGINS = ["jdupont", "m.diallo93", "fatou.ba@gmail.com", "nguyen.t", "dupont.marie", "12345678"]


def pick(rng: random.Random, options: list[str]) -> str:
    """One of the options."""
    return rng.choice(options)


def nir_with_key(rng: random.Random) -> str:
    """A note with a NIR and its key, in any grouping."""
    body = nir_body(rng)
    number = grouped_nir(rng, body + nir_key(body))
    return pick(
        rng,
        [
            f"n° secu {number}",
            f"{pick(rng, WHO)} a donne son num de secu : {number} pr la demande CSS",
            f"NIR {number}",
            f"carte vitale perdue, numero {number}, commande faite sur ameli",
            f"num ss={number}",
            f"Secu: {number} - attestation de droits imprimee",
            f"rattachement enfant, NIR du pere {number}",
            f"dossier CSS. n°SS {number} a verifier",
            f"{number} (secu)",
            f"immatriculation {number} donnee par {pick(rng, WHO)}",
            f"aide ameli, son numéro de sécurité sociale est {number}",
            f"demande C2S nir : {number} ok",
        ],
    )


def nir_without_key(rng: random.Random) -> str:
    """A note with a NIR written without its key."""
    body = nir_body(rng)
    number = grouped_nir(rng, body) if rng.random() < 0.5 else cut(body, [1, 2, 2, 2, 3], " ")
    return pick(
        rng,
        [
            f"num secu {number} (sans la cle)",
            f"NIR {number}",
            f"n° de secu: {number}",
            f"carte vitale {number} a renouveler",
            f"securite sociale {number} — voir cpam",
            f"Ameli: {number}, pas de cle sur le papier",
            f"numero ss {number}",
            f"{pick(rng, WHO)} secu {number}",
        ],
    )


def iban_note(rng: random.Random) -> str:
    """A note with an IBAN, French in any grouping or foreign."""
    text = french_iban(rng)[0] if rng.random() < 0.8 else foreign_iban(rng)
    return pick(
        rng,
        [
            f"IBAN {text}",
            f"rib donne pr prelevement : {text}",
            f"changement de banque, nouvel iban {text} a transmettre a la CAF",
            f"{pick(rng, WHO)} veut payer par prelevement, iban: {text}",
            f"coordonnees bancaires {text}",
            f"Iban= {text} (compte joint)",
            f"{text} = iban pour la mutuelle",
            f"virement sur {text} attendu le {day(rng)}",
        ],
    )


def rib_note(rng: random.Random) -> str:
    """A note with a French RIB alone (no IBAN)."""
    text = grouped_rib(rng)
    return pick(
        rng,
        [
            f"RIB {text}",
            f"rib : {text}",
            f"a apporté son rib {text} pr la caf",
            f"coordonnées bancaires: {text}",
            f"{text} (rib la banque postale)",
            f"prelevement EDF sur le rib {text}",
        ],
    )


def card_note(rng: random.Random) -> str:
    """A note with a payment card number."""
    text = grouped_card(rng, card(rng))
    exp = f"{rng.randint(1, 12):02d}/{rng.randint(25, 30)}"
    return pick(
        rng,
        [
            f"CB {text}",
            f"carte bancaire {text} exp {exp}",
            f"paiement en ligne amende avec sa carte {text}",
            f"n° de carte {text}",
            f"{pick(rng, WHO)} a donne sa CB: {text} pr payer la cantine",
            f"carte {text} expire {exp}",
            f"visa {text}",
            f"paiement refusé carte n {text}",
            f"{text} exp {exp}",
            f"num carte bleue = {text}",
        ],
    )


def pin_note(rng: random.Random) -> str:
    """A note with a card's PIN introduced by a French phrase."""
    pin = digits(rng, 4)
    return pick(
        rng,
        [
            f"code de la carte {pin}",
            f"code CB : {pin}",
            f"code confidentiel {pin}",
            f"son code est {pin}",
            f"code secret {pin}",
            f"code carte bancaire = {pin}",
            f"Code CB {pin} (note par la fille)",
            f"retrait dab, code de sa carte : {pin}",
            f"le code c'est {pin}",
            f"code pin {pin}",
            f"code de sa CB est {pin}",
            f"CODE SECRET: {pin}",
        ],
    )


def password_note(rng: random.Random) -> str:
    """A note with a password or credentials, in the many ways they get written."""
    secret, account, login = pick(rng, SECRETS), pick(rng, ACCOUNTS), pick(rng, LOGINS)
    return pick(
        rng,
        [
            f"mdp {account} : {secret}",
            f"mot de passe {secret}",
            f"Mot de passe du compte {account} = {secret}",
            f"pass : {secret}",
            f"pass {account} {secret}",
            f"identifiants {account} : {login} / {secret}",
            f"identifiant : {login} / {secret}",
            f"login {login} mdp {secret}",
            f"mdp {account} {secret}",
            f"code d'acces : {secret}",
            f"password {secret}",
            f"MDP={secret}",
            f"nouveau mdp cree : {secret}",
            f"compte {account} cree, mot de passe : {secret}",
            f"id {account}: {login} / {secret}",
            f"son mdp c'est {secret}",
            f"mdp est {secret}",
            f"identifiants ameli : {login} - {secret}",
        ],
    )


# Benign ---------------------------------------------------------------------------------------


def benign_money(rng: random.Random) -> str:
    """Amounts, debts, rents."""
    return pick(
        rng,
        [
            f"reste a payer {amount(rng)} sur la facture EDF, echeancier demande",
            f"APL {amount(rng)} / mois, loyer {amount(rng)}",
            f"dette loyer {amount(rng)} — orientee vers le CCAS",
            f"remboursement trop percu CAF {amount(rng)} en 10 fois",
            f"RSA {amount(rng)} verse le {day(rng)}",
            f"cheque energie de {amount(rng)} recu",
        ],
    )


def benign_dates_phones(rng: random.Random) -> str:
    """Appointments, call-backs, phone numbers."""
    return pick(
        rng,
        [
            f"rappeler au {phone(rng)} le {day(rng)}",
            f"rdv CAF le {day(rng)} a 14h30, tel {phone(rng)}",
            f"sa fille: {phone(rng)} / son fils {phone(rng)}",
            f"tel portable {phone(rng)} fixe {phone(rng)}",
            f"a rappeler {phone(rng)} avant le {day(rng)}",
            f"numero du conseiller FT : {phone(rng)}",
            f"famille au pays {phone(rng)}",
        ],
    )


def benign_energy(rng: random.Random) -> str:
    """Electricity and gas: delivery points, contracts, invoices."""
    pdl = digits(rng, 14)
    pdl_text = pick(rng, [pdl, cut(pdl, [4, 4, 4], " "), cut(pdl, [2, 3, 3, 3], " ")])
    contract = str(rng.randint(1, 9)) + digits(rng, rng.choice([9, 10, 11, 12, 13, 15]))
    return pick(
        rng,
        [
            f"PDL {pdl_text} - mise en service demandee",
            f"PRM : {pdl_text} compteur linky",
            f"n° de PDL {pdl_text}, contrat EDF {contract}",
            f"contrat {contract} coupure prevue le {day(rng)}",
            f"facture n° {contract} de {amount(rng)}",
            f"client EDF {contract}, PCE GrDF GI{digits(rng, 6)}",
            f"Engie contrat n°{contract} : echeancier {amount(rng)}",
            f"point de livraison {pdl_text} (Enedis)",
            f"ref client {contract} - tarif social",
            f"suivi courrier {contract}",
        ],
    )


def benign_tax(rng: random.Random) -> str:
    """Taxes: SPI numbers, notice references."""
    spi = str(rng.randint(0, 3)) + digits(rng, 12)
    spi_text = pick(rng, [spi, cut(spi, [2, 2, 3, 3, 3], " ")])
    notice = f"{rng.randint(20, 25)} {rng.randint(10, 99)} {rng.choice('ABCDEFGH')}"
    notice += f"{digits(rng, 6)} {digits(rng, 2)}"
    return pick(
        rng,
        [
            f"numero fiscal {spi_text}, declaration en ligne faite",
            f"SPI {spi_text}",
            f"n° fiscal: {spi_text} - avis d'impot imprime",
            f"impots.gouv: num fiscal {spi_text}, ref avis {notice}",
            f"declaration revenus {rng.randint(2022, 2025)}, RFR {amount(rng)}",
            f"avis de taxe fonciere {spi_text} : {amount(rng)}",
            f"reference de l'avis {notice}",
        ],
    )


def benign_files(rng: random.Random) -> str:
    """CAF, France Travail, MDPH, prefecture and other file numbers; postcodes."""
    caf = digits(rng, 7)
    year = rng.randint(2022, 2027)
    return pick(
        rng,
        [
            f"n° allocataire CAF {caf}",
            f"CAF {caf}, dossier prime d'activite",
            f"identifiant France Travail {digits(rng, 7)}{rng.choice('ABCDEFGHJK')}",
            f"dossier MDPH {digits(rng, 9)} depose le {day(rng)}",
            f"demande ANTS n° {digits(rng, 10)}",
            f"dossier {year}-{digits(rng, 5)} transmis",
            f"ref. {rng.choice('ABCDEFGH')}{digits(rng, 8)}",
            f"titre de sejour, n° etranger {digits(rng, 10)}",
            f"déménage 12 rue des Lilas, {rng.randint(10, 95)}{digits(rng, 3)} {pick(rng, WHERE)}",
            f"colis {digits(rng, 2)}{rng.choice('ABCDEF')}{digits(rng, 11)} a suivre",
            f"n° de dossier retraite {digits(rng, 12)}",
            f"mutuelle adherent {digits(rng, 9)}",
            f"LR AR n° 1A {digits(rng, 3)} {digits(rng, 3)} {digits(rng, 4)} {digits(rng, 1)}",
            f"bail signe, n° logement social {digits(rng, 8)}",
            f"dossier {rng.choice(['DALO', 'FSL', 'CSS'])} n° {digits(rng, 6)}",
        ],
    )


def benign_mentions(rng: random.Random) -> str:
    """Mentions of passwords, codes and cards without the secret itself."""
    where = pick(rng, WHERE)
    return pick(
        rng,
        [
            "mot de passe oublie",
            f"mdp {pick(rng, ACCOUNTS)} perdu, reinitialisation faite avec elle",
            f"a reinitialise son mot de passe {where}",
            "réinitialisation du mot de passe par sms",
            f"Mot de passe oublié -> nouveau code envoyé par courrier le {day(rng)}",
            f"mdp bloque apres 3 essais sur {where}",
            "code confidentiel CB bloque, voir avec sa banque",
            "code secret de la carte oublié, a appeler la banque",
            "pass navigo perdu, demande de duplicata",
            f"pass culture : {amount(rng)} restant",
            "identifiant et mot de passe notés par la personne dans son carnet",
            f"compte {pick(rng, ACCOUNTS)} cree avec lui, il garde son mdp",
            f"carte vitale perdue, commande sur ameli, delai {rng.randint(2, 4)} semaines",
            "NIR non communique, attestation a demander",
            f"MDP expire, change par {pick(rng, WHO)} elle-meme",
            f"code postal {rng.randint(10, 95)}{digits(rng, 3)}",
            "carte bancaire perdue: opposition faite par telephone",
            "mot de passe de 12 caracteres minimum sur le site",
            f"mdp : oublié, refait le {day(rng)}",
            f"a reçu un code provisoire par courrier le {day(rng)}",
            "identifiants France Connect oubliés, passé par ameli",
            f"identifiant : {pick(rng, LOGINS)}, mdp oublié",
            f"login {pick(rng, ACCOUNTS)} : {pick(rng, LOGINS)} et mot de passe perdu",
            "mot de passe = sa date de naissance, a changer",
        ],
    )


SENSITIVE_MAKERS: list[tuple[str, Maker, int]] = [
    ("nir", nir_with_key, 34),
    ("nir", nir_without_key, 18),
    ("iban", iban_note, 26),
    ("rib", rib_note, 14),
    ("card", card_note, 26),
    ("pin", pin_note, 16),
    ("password", password_note, 34),
]
BENIGN_MAKERS: list[Maker] = [
    benign_money,
    benign_dates_phones,
    benign_energy,
    benign_energy,
    benign_tax,
    benign_files,
    benign_files,
    benign_mentions,
    benign_mentions,
]
BENIGN_COUNT = 168

TOUCHES: list[Callable[[str], str]] = [
    lambda text: text,
    lambda text: text,
    str.upper,
    lambda text: text[0].upper() + text[1:],
    lambda text: text + ".",
    lambda text: "RDV. " + text,
    lambda text: text + " — a revoir",
]


def corpus(seed: int = SEED) -> list[Note]:
    """The labelled notes: sensitive ones of every kind, then as many benign ones."""
    rng = random.Random(seed)
    notes: list[Note] = []
    for kind, make, count in SENSITIVE_MAKERS:
        notes.extend(Note(rng.choice(TOUCHES)(make(rng)), kind) for _ in range(count))
    notes.extend(
        Note(rng.choice(TOUCHES)(BENIGN_MAKERS[index % len(BENIGN_MAKERS)](rng)), "benign")
        for index in range(BENIGN_COUNT)
    )
    return notes
