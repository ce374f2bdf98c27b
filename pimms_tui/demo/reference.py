"""The offices' reference data: areas, communes, motifs and their partners, notes, outcomes."""

from __future__ import annotations

from bisect import bisect
from collections.abc import Sequence
from itertools import accumulate
from random import Random
from typing import TypeVar

from pimms_tui.db.enums import AgeBand, Gender, HelpLevel, Outcome, RefusalReason, RelayMode

T = TypeVar("T")


_OFFICE_AREAS = ("Centre", "Nord", "Sud", "Est", "Ouest")
_OFFICE_WEIGHTS = (1.0, 0.8, 0.65, 0.55, 0.5)
_OFFICE_ADDRESSES = (
    "1 place de la Mairie, 69100 Villeurbanne",
    "12 avenue Salvador-Allende, 69140 Rillieux-la-Pape",
    "4 rue Gaston-Monmousseau, 69200 Vénissieux",
    "25 rue de la République, 69330 Meyzieu",
    "8 place du Marché, 69160 Tassin-la-Demi-Lune",
)
_COMMUNES: tuple[tuple[tuple[str, float], ...], ...] = (
    (
        ("Villeurbanne", 10),
        ("Lyon 3e Arrondissement", 4),
        ("Lyon 8e Arrondissement", 4),
        ("Vaulx-en-Velin", 3),
        ("Bron", 2),
        ("Lyon 7e Arrondissement", 2),
    ),
    (
        ("Rillieux-la-Pape", 10),
        ("Caluire-et-Cuire", 4),
        ("Sathonay-Camp", 2),
        ("Fontaines-sur-Saône", 2),
        ("Neuville-sur-Saône", 2),
    ),
    (
        ("Vénissieux", 10),
        ("Saint-Fons", 4),
        ("Saint-Priest", 3),
        ("Feyzin", 2),
        ("Corbas", 1),
    ),
    (("Meyzieu", 10), ("Décines-Charpieu", 5), ("Chassieu", 2), ("Genas", 2)),
    (("Tassin-la-Demi-Lune", 8), ("Écully", 4), ("Francheville", 3), ("Craponne", 2)),
)


# Motif code → how often it comes, and the partners it usually goes to (code, weight).
_MOTIF_WEIGHTS: dict[str, float] = {
    "energy": 12, "water": 4, "post": 5, "transport": 6, "identity": 9, "taxes": 9,
    "family_benefits": 12, "health_insurance": 10, "pension": 6, "job_seeking": 7,
    "housing": 7, "online": 9, "budget": 4, "legal": 3, "other": 3,
}  # fmt: skip
_MOTIF_PARTNERS: dict[str, tuple[tuple[str, float], ...]] = {
    "energy": (("edf", 3), ("engie", 2), ("ccas", 1)),
    "water": (("water", 3), ("ccas", 1)),
    "post": (("la_poste", 1),),
    "transport": (("transport", 1),),
    "identity": (("ants", 1),),
    "taxes": (("dgfip", 1),),
    "family_benefits": (("caf", 1),),
    "health_insurance": (("cpam", 4), ("mdph", 1)),
    "pension": (("carsat", 4), ("msa", 1)),
    "job_seeking": (("france_travail", 1),),
    "housing": (("social_landlord", 3), ("adil", 2), ("caf", 1)),
    "online": (("ants", 1), ("caf", 1), ("dgfip", 1), ("cpam", 1)),
    "budget": (("pcb", 2), ("ccas", 2)),
    "legal": (("point_justice", 1),),
    "other": (("ccas", 1), ("mdph", 1)),
}
_PARTNER_SHARE: dict[str, float] = {"online": 0.5, "other": 0.4}
# Partners holding an on-site session (permanence): weekday and local hours.
_PERMANENCES: dict[str, tuple[int, int, int]] = {
    "caf": (1, 9 * 3600, 12 * 3600),
    "point_justice": (2, 9 * 3600 + 1800, 12 * 3600),
    "cpam": (3, 14 * 3600, 17 * 3600),
    "france_travail": (4, 9 * 3600, 12 * 3600),
    "pcb": (0, 14 * 3600, 17 * 3600),
}
_NOTES: dict[str, tuple[str, ...]] = {
    "energy": (
        "Échéancier demandé pour la facture d’hiver.",
        "Explication de la régularisation annuelle.",
        "Demande de chèque énergie à vérifier.",
        "Relance avant coupure : plan d’apurement proposé.",
    ),
    "water": ("Fuite après compteur : demande de dégrèvement.", "Mensualisation mise en place."),
    "post": ("Colis en instance : procuration expliquée.", "Changement d’adresse en ligne."),
    "transport": ("Renouvellement du tarif solidaire.", "Dossier d’abonnement jeune complété."),
    "identity": (
        "Pré-demande de carte d’identité faite ensemble.",
        "Rendez-vous en mairie pour le passeport à prendre.",
        "Permis de conduire : demande de duplicata en ligne.",
    ),
    "taxes": (
        "Aide à la déclaration de revenus en ligne.",
        "Avis d’imposition expliqué, réclamation à envoyer.",
        "Création de l’espace particulier.",
    ),
    "family_benefits": (
        "Déclaration trimestrielle RSA faite avec la personne.",
        "Attestation de paiement imprimée.",
        "Changement de situation à signaler.",
        "Demande d’aide au logement commencée.",
    ),
    "health_insurance": (
        "Demande de complémentaire santé solidaire.",
        "Commande de carte Vitale.",
        "Remboursement en attente, courrier à la caisse.",
    ),
    "pension": ("Relevé de carrière incomplet.", "Demande de retraite en ligne commencée."),
    "job_seeking": (
        "Actualisation mensuelle faite ensemble.",
        "CV mis à jour, lettre à relire.",
        "Inscription en ligne à terminer.",
    ),
    "housing": (
        "Demande de logement social à renouveler.",
        "Retard de loyer : contact avec le bailleur.",
        "Questions sur le dépôt de garantie.",
    ),
    "online": (
        "Création d’une adresse e-mail.",
        "Récupération d’identifiants FranceConnect.",
        "Numérisation de justificatifs.",
    ),
    "budget": ("Point sur les dépenses du mois.", "Orientation vers un conseiller budget."),
    "legal": ("Courrier d’huissier expliqué.", "Litige avec un vendeur : démarche amiable."),
    "other": ("Renseignement sur les horaires des services.", "Aide pour un courrier."),
}
_RELAY_CONTACTS = (
    "Service solidarité",
    "Conseillère référente",
    "Accueil partenaires",
    "Travailleur social de secteur",
    "Ligne dédiée aux médiateurs",
)
_SHARED_DETAILS = (
    "Nom, téléphone et objet de la demande",
    "Coordonnées et copie du dernier courrier reçu",
    "Nom et situation résumée avec l’accord de la personne",
)


_REGISTER_WEIGHTS: dict[str, float] = {
    "clear_misunderstandings": 35,
    "inform_train": 25,
    "partner_link": 18,
    "active_presence": 8,
    "conflicts": 5,
    "territorial_watch": 4,
    "consultation": 3,
    "collective_projects": 2,
}
_OUTCOMES = (
    (Outcome.RESOLVED.value, 42),
    (Outcome.FINISH_ALONE.value, 16),
    (Outcome.COME_BACK.value, 12),
    (Outcome.RELAY.value, 20),
    (Outcome.APPOINTMENT.value, 10),
)
_LEVELS = (
    (HelpLevel.INFORM.value, 45),
    (HelpLevel.ACCOMPANY.value, 40),
    (HelpLevel.ON_BEHALF.value, 15),
)
_RELAY_MODES = (
    (RelayMode.PHONE_TOGETHER.value, 30),
    (RelayMode.EMAIL.value, 25),
    (RelayMode.REFERRAL_SLIP.value, 30),
    (RelayMode.LETTER.value, 5),
    (RelayMode.ACCOMPANIED.value, 10),
)
_REFUSALS = (
    (RefusalReason.NOT_ELIGIBLE.value, 30),
    (RefusalReason.DID_NOT_ATTEND.value, 25),
    (RefusalReason.NOT_INTERESTED.value, 15),
    (RefusalReason.NOT_REACHABLE.value, 10),
    (RefusalReason.DUPLICATE.value, 5),
    (RefusalReason.OTHER.value, 15),
)


def _weighted(pairs: Sequence[tuple[T, float]]) -> tuple[list[T], list[float]]:
    """Values and cumulative weights, for ``Random.choices``."""
    return [v for v, _ in pairs], list(accumulate(w for _, w in pairs))


def _pick(rng: Random, choices: tuple[list[T], list[float]]) -> T:
    """One weighted choice; ``Random.choices`` for k=1 without its overhead."""
    values, cum = choices
    return values[bisect(cum, rng.random() * cum[-1])]


_OUTCOME_CHOICES = _weighted(_OUTCOMES)
_LEVEL_CHOICES = _weighted(_LEVELS)
_RELAY_MODE_CHOICES = _weighted(_RELAY_MODES)
_REFUSAL_CHOICES = _weighted(_REFUSALS)
_AGE_BAND_CHOICES = _weighted(
    [(band.value, weight) for band, weight in zip(AgeBand, (14, 38, 32, 16), strict=True)]
)
_GENDER_CHOICES = _weighted(
    [(Gender.FEMALE.value, 58), (Gender.MALE.value, 40), (Gender.OTHER.value, 2)]
)
_DEMAND_COUNT_CHOICES = _weighted([(1, 60), (2, 30), (3, 10)])
_DURATION_CHOICES = _weighted([(30, 70), (45, 20), (60, 10)])
_PARTNER_CHOICES = {code: _weighted(pairs) for code, pairs in _MOTIF_PARTNERS.items()}
