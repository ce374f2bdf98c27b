"""Names and people of the demo: a French neighbourhood's communities, ages, e-mails, mobiles."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate
from random import Random

import phonenumbers

from pimms_tui.db.normalise import fold


@dataclass(frozen=True)
class _Origin:
    """Names of a community typical of French neighbourhoods, and the languages spoken in it."""

    weight: float
    female: tuple[str, ...]
    male: tuple[str, ...]
    last: tuple[str, ...]
    languages: tuple[str, ...] = ()
    other_language: float = 0.0


_FRENCH_FEMALE = (
    "Hélène", "Gaëlle", "Anaïs", "Zoé", "Chloé", "Léa", "Camille", "Manon", "Inès", "Céline",
    "Nathalie", "Isabelle", "Sandrine", "Sophie", "Élodie", "Mélanie", "Noémie", "Clémence",
    "Agnès", "Maëlys", "Josiane", "Françoise", "Monique", "Brigitte", "Marie-Claire",
    "Anne-Sophie", "Margaux", "Océane", "Laëtitia", "Bérénice", "Émilie", "Aurélie",
    "Christiane", "Geneviève", "Thérèse", "Lucie", "Juliette", "Louise", "Sylvie", "Martine",
)  # fmt: skip


_FRENCH_MALE = (
    "François", "Jérôme", "Hervé", "Sébastien", "Frédéric", "Stéphane", "Benoît", "Gaël",
    "Noël", "André", "René", "Raphaël", "Joël", "Loïc", "Théo", "Mathéo", "Timothée",
    "Jean-Pierre", "Jean-François", "Pierre", "Nicolas", "Julien", "Thomas", "Laurent",
    "Philippe", "Michel", "Bernard", "Gérard", "Lucas", "Hugo", "Maxime", "Antoine",
    "Clément", "Cédric", "Jérémy", "Grégory", "Rémi", "Aurélien", "Yannick", "Patrice",
)  # fmt: skip
_FRENCH_LAST = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert",
    "Bonnet", "François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc",
    "Guérin", "Henry", "Roussel", "Perrin", "Morin", "Mathieu", "Clément", "Gauthier",
    "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin", "Masson", "Boyer", "Denis",
    "Lemaire", "Duval", "Joly", "Roche", "Meyer", "Meunier", "Pérez", "Marchand", "Dufour",
    "Blanchard", "Barbier", "Brun", "Dumas", "Brunet", "Leroux", "Colin", "Renard", "Arnaud",
    "Caron", "Aubert", "Giraud", "Leclerc", "Vidal", "Bourgeois", "Renaud", "Lemoine",
    "Picard", "Gaillard", "Lacroix", "Fabre", "Dupuis", "Hubert", "Rivière", "Le Gall",
    "Le Goff", "Le Roux", "Le Bihan", "Le Corre", "de La Fontaine", "de Lattre", "Ménard",
    "Fleury", "Deschamps", "Prévost", "Poirier", "Carré", "Rémy", "Hébert", "Étienne",
    "Bénard", "Lebœuf", "Jégou", "Gérard", "Noël", "Benoît",
)  # fmt: skip
# fmt: off
_ORIGINS: tuple[_Origin, ...] = (
    _Origin(55, _FRENCH_FEMALE, _FRENCH_MALE, _FRENCH_LAST),
    _Origin(
        16,
        (
            "Fatima",
            "Aïcha",
            "Yasmine",
            "Leïla",
            "Nour",
            "Samira",
            "Karima",
            "Malika",
            "Nadia",
            "Inès",
            "Myriam",
            "Soraya",
            "Khadija",
            "Rania",
            "Sarah",
            "Imane",
            "Zineb",
        ),
        (
            "Mohamed",
            "Karim",
            "Mehdi",
            "Youssef",
            "Rachid",
            "Nassim",
            "Sofiane",
            "Bilal",
            "Hakim",
            "Mourad",
            "Samir",
            "Walid",
            "Adam",
            "Ilyès",
            "Ayoub",
            "Abdelkader",
            "Farid",
            "Hamza",
        ),
        (
            "Ben Salah",
            "Ben Ali",
            "Benali",
            "El Amrani",
            "Bensaïd",
            "Haddad",
            "Mansouri",
            "Chérif",
            "Belkacem",
            "Boudjema",
            "Hamdi",
            "Saïdi",
            "Zeroual",
            "Aït Ahmed",
            "Bouaziz",
            "Benyahia",
            "Lahlou",
            "El Idrissi",
            "Meziane",
            "Brahimi",
            "Kaci",
            "Ouali",
        ),
        ("ar", "kab"),
        0.15,
    ),
    _Origin(
        9,
        (
            "Awa",
            "Aminata",
            "Fatoumata",
            "Mariam",
            "Kadiatou",
            "Aïssatou",
            "Coumba",
            "Binta",
            "Ndèye",
            "Rokia",
            "Adjoa",
            "Grâce",
        ),
        (
            "Moussa",
            "Mamadou",
            "Ibrahima",
            "Oumar",
            "Souleymane",
            "Cheikh",
            "Abdoulaye",
            "Boubacar",
            "Seydou",
            "Kofi",
            "Issa",
            "Lassana",
        ),
        (
            "N'Diaye",
            "N'Guessan",
            "N'Dour",
            "Diallo",
            "Traoré",
            "Camara",
            "Koné",
            "Sow",
            "Bâ",
            "Cissé",
            "Sylla",
            "Keïta",
            "Diop",
            "Fofana",
            "Touré",
            "Kouyaté",
            "Sangaré",
            "Coulibaly",
            "Konaté",
            "Mendy",
            "Gueye",
        ),
        ("wo", "ff", "bm"),
        0.06,
    ),
    _Origin(
        5,
        ("Ana", "Maria", "Inês", "Sofia", "Lucía", "Carmen", "Beatriz", "Joana"),
        ("João", "José", "António", "Manuel", "Diego", "Carlos", "Rui", "Tiago"),
        (
            "Da Silva",
            "Dos Santos",
            "D'Almeida",
            "Ferreira",
            "Rodrigues",
            "Pereira",
            "Gonçalves",
            "Rodríguez",
            "Fernández",
            "Gómez",
            "Martins",
            "De Oliveira",
        ),
        ("pt", "es"),
        0.15,
    ),
    _Origin(
        3,
        ("Ayşe", "Elif", "Zeynep", "Fatma", "Emine", "Hülya"),
        ("Mehmet", "Mustafa", "Ahmet", "Emre", "Hüseyin", "Yusuf"),
        ("Yılmaz", "Öztürk", "Çelik", "Demir", "Şahin", "Kaya", "Aydın", "Doğan"),
        ("tr",),
        0.4,
    ),
    _Origin(
        5,
        ("Svetlana", "Olena", "Ioana", "Natalia", "Oksana", "Agnieszka", "Elena", "Irina"),
        ("Andriy", "Ion", "Mihai", "Piotr", "Dmytro", "Vasile", "Sergueï", "Alexandru"),
        (
            "Popescu",
            "Ionescu",
            "Nowak",
            "Kovalenko",
            "Chevtchenko",
            "Bondarenko",
            "Popa",
            "Dumitrescu",
            "Horvat",
        ),
        ("ro", "uk", "ru", "pl"),
        0.5,
    ),
    _Origin(
        4,
        ("Thi Lan", "Mai", "Linh", "Hoa", "Mei", "Xiu Ying", "Thanh Hương"),
        ("Minh", "Văn Long", "Tuấn", "Wei", "Jun", "Quang", "Kim Sơn"),
        ("Nguyễn", "Trần", "Phạm", "Lê", "Hoàng", "Wang", "Zhang", "Chen", "Vũ", "Đặng"),
        ("vi", "zh"),
        0.35,
    ),
    _Origin(
        3,
        ("Siobhan", "Anna", "Giulia", "Katharina", "Sanne", "Emma"),
        ("Patrick", "Giovanni", "Lukas", "Pieter", "Stefan", "Marco"),
        (
            "O'Connor",
            "O'Brien",
            "Müller",
            "Schäfer",
            "Van der Berg",
            "Van den Broeck",
            "De Vries",
            "Rossi",
            "Esposito",
            "Weiß",
        ),
        ("en", "it", "de", "nl"),
        0.25,
    ),
)
# fmt: on
_ORIGIN_CUM = list(accumulate(o.weight for o in _ORIGINS))
_STAFF_INITIALS = "ABCDEFGHJKLMNOPRSTV"
_EMAIL_DOMAINS = ("example.org", "example.net", "example.com")


def _age(rng: Random) -> int:
    band = rng.choices(((18, 25), (26, 44), (45, 64), (65, 79), (80, 95)), (12, 35, 33, 15, 5))[0]
    return rng.randint(*band)


def _email(rng: Random, first: str, last: str | None) -> str:
    first_part = "".join(fold(first).split())
    last_part = "".join(fold(last).split()) if last else ""
    pattern = rng.randrange(4)
    if pattern == 0 and last_part:
        local = f"{first_part}.{last_part}"
    elif pattern == 1 and last_part:
        local = f"{first_part[0]}{last_part}{rng.randint(1, 99)}"
    elif pattern == 2:
        local = f"{first_part}{rng.randint(60, 2009)}"
    else:
        local = f"{first_part}.{last_part or 'contact'}{rng.randint(1, 9)}"
    return f"{local}@{rng.choice(_EMAIL_DOMAINS)}"


_MOBILE_PREFIXES: list[str] = []


def _mobile_prefixes() -> list[str]:
    """Four-digit prefixes (after +33) of French mobile numbers that phonenumbers accepts."""
    if not _MOBILE_PREFIXES:
        for head in ("6", "7"):
            for rest in range(1000):
                prefix = f"{head}{rest:03d}"
                if all(
                    phonenumbers.is_valid_number(phonenumbers.parse(f"+33{prefix}{tail}"))
                    for tail in ("00000", "54321", "99999")
                ):
                    # 06 is still the more common of the two.
                    _MOBILE_PREFIXES.extend([prefix] * (3 if head == "6" else 1))
    return _MOBILE_PREFIXES
