"""Reference data every office needs: the 8 registers, the national thématiques, motifs, partners.

What the rows are; ``reference_seed`` writes the missing ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from data_inclusion.schema.v1 import Categorie, ReseauPorteur, Thematique


@dataclass(frozen=True)
class RegisterSpec:
    """A register of intervention (AFNOR XP X60-600) with its French and English labels."""

    code: str
    label_fr: str
    label_en: str


REGISTERS: tuple[RegisterSpec, ...] = (
    RegisterSpec(
        "active_presence",
        "Assurer une présence active de proximité",
        "Ensure an active local presence",
    ),
    RegisterSpec(
        "clear_misunderstandings",
        "Lever les incompréhensions entre les personnes et les institutions",
        "Clear up misunderstandings between people and institutions",
    ),
    RegisterSpec(
        "inform_train",
        "Informer, sensibiliser et/ou former",
        "Inform, raise awareness and/or train",
    ),
    RegisterSpec(
        "conflicts",
        "Prévenir et gérer les situations conflictuelles",
        "Prevent and manage conflict situations",
    ),
    RegisterSpec(
        "territorial_watch",
        "Participer à une veille sociale et technique territoriale",
        "Take part in local social and technical monitoring",
    ),
    RegisterSpec(
        "consultation",
        "Faciliter la concertation entre les habitants et les institutions",
        "Facilitate dialogue between residents and institutions",
    ),
    RegisterSpec(
        "partner_link",
        "Mettre en relation avec un partenaire",
        "Put in touch with a partner",
    ),
    RegisterSpec(
        "collective_projects",
        "Favoriser les projets collectifs, supports de la médiation sociale",
        "Foster collective projects that support social mediation",
    ),
)

DEFAULT_REGISTER = "clear_misunderstandings"


@dataclass(frozen=True)
class MotifSpec:
    """A default reason for coming, counted under one data·inclusion thématique."""

    code: str
    label_fr: str
    label_en: str
    thematique: Thematique


MOTIFS: tuple[MotifSpec, ...] = (
    MotifSpec(
        "energy",
        "Facture ou dette d’énergie",
        "Energy bill or debt",
        Thematique.DIFFICULTES_FINANCIERES__PREVENIR_UNE_DEGRADATION_DE_LA_SITUATION_FINANCIERE,
    ),
    MotifSpec(
        "water",
        "Eau (facture, abonnement)",
        "Water (bill, contract)",
        Thematique.DIFFICULTES_FINANCIERES__PREVENIR_UNE_DEGRADATION_DE_LA_SITUATION_FINANCIERE,
    ),
    MotifSpec(
        "post",
        "La Poste et courrier",
        "La Poste and mail",
        Thematique.DIFFICULTES_ADMINISTRATIVES_OU_JURIDIQUES__ACCOMPAGNEMENT_AUX_DEMARCHES_ADMINISTRATIVES,
    ),
    MotifSpec(
        "transport",
        "Transports (titres, abonnements)",
        "Transport (tickets, passes)",
        Thematique.MOBILITE__UTILISER_DES_SERVICES_DE_MOBILITE_DOUCE_PARTAGEE_COLLECTIVE,
    ),
    MotifSpec(
        "identity",
        "Papiers d’identité et permis de conduire",
        "Identity papers and driving licence",
        Thematique.DIFFICULTES_ADMINISTRATIVES_OU_JURIDIQUES__ACCOMPAGNEMENT_AUX_DEMARCHES_ADMINISTRATIVES,
    ),
    MotifSpec(
        "taxes",
        "Impôts",
        "Taxes",
        Thematique.DIFFICULTES_ADMINISTRATIVES_OU_JURIDIQUES__ACCOMPAGNEMENT_AUX_DEMARCHES_ADMINISTRATIVES,
    ),
    MotifSpec(
        "family_benefits",
        "Prestations familiales (CAF)",
        "Family benefits (CAF)",
        Thematique.DIFFICULTES_ADMINISTRATIVES_OU_JURIDIQUES__ACCOMPAGNEMENT_POUR_LACCES_AUX_DROITS,
    ),
    MotifSpec(
        "health_insurance",
        "Assurance maladie (CPAM, complémentaire santé solidaire)",
        "Health insurance (CPAM, complémentaire santé solidaire)",
        Thematique.SANTE__ACCES_AUX_SOINS,
    ),
    MotifSpec(
        "pension",
        "Retraite",
        "Pension",
        Thematique.DIFFICULTES_ADMINISTRATIVES_OU_JURIDIQUES__ACCOMPAGNEMENT_POUR_LACCES_AUX_DROITS,
    ),
    MotifSpec(
        "job_seeking",
        "Recherche d’emploi (France Travail)",
        "Job seeking (France Travail)",
        Thematique.PREPARER_SA_CANDIDATURE__ORGANISER_SES_DEMARCHES_DE_RECHERCHE_DEMPLOI,
    ),
    MotifSpec(
        "housing",
        "Logement et loyer",
        "Housing and rent",
        Thematique.LOGEMENT_HEBERGEMENT__SE_MAINTENIR_DANS_LE_LOGEMENT,
    ),
    MotifSpec(
        "online",
        "Démarches en ligne et e-mail",
        "Online procedures and e-mail",
        Thematique.NUMERIQUE__ACCEDER_A_DES_SERVICES_EN_LIGNE,
    ),
    MotifSpec(
        "budget",
        "Budget",
        "Budget",
        Thematique.DIFFICULTES_FINANCIERES__AMELIORER_SA_GESTION_BUDGETAIRE,
    ),
    MotifSpec(
        "legal",
        "Accès au droit",
        "Legal rights",
        Thematique.DIFFICULTES_ADMINISTRATIVES_OU_JURIDIQUES__ACCOMPAGNEMENT_POUR_LACCES_AUX_DROITS,
    ),
    MotifSpec(
        "other",
        "Autre",
        "Other",
        Thematique.DIFFICULTES_ADMINISTRATIVES_OU_JURIDIQUES__ACCOMPAGNEMENT_AUX_DEMARCHES_ADMINISTRATIVES,
    ),
)

PLACEHOLDER = "[exemple à remplacer]"


@dataclass(frozen=True)
class PartnerSpec:
    """A default partner, a local entry; contact details are placeholders to be replaced."""

    code: str
    name: str
    network: ReseauPorteur | None
    thematiques: tuple[Thematique | Categorie, ...]
    what_to_bring: str


_ID = "Pièce d’identité"
PARTNERS: tuple[PartnerSpec, ...] = (
    PartnerSpec(
        "caf",
        "CAF — Caisse d’allocations familiales",
        ReseauPorteur.CAF,
        (Categorie.FAMILLE,),
        f"{_ID}, numéro d’allocataire, dernier courrier de la CAF",
    ),
    PartnerSpec(
        "cpam",
        "CPAM — Caisse primaire d’assurance maladie",
        ReseauPorteur.CPAM,
        (Thematique.SANTE__ACCES_AUX_SOINS,),
        f"{_ID}, carte Vitale, attestation de droits",
    ),
    PartnerSpec(
        "carsat",
        "Assurance retraite (CARSAT)",
        None,
        (
            Thematique.DIFFICULTES_ADMINISTRATIVES_OU_JURIDIQUES__ACCOMPAGNEMENT_POUR_LACCES_AUX_DROITS,
        ),
        f"{_ID}, relevé de carrière, derniers bulletins de salaire",
    ),
    PartnerSpec(
        "msa",
        "MSA — Mutualité sociale agricole",
        ReseauPorteur.MUTUALITE_SOCIALE_AGRICOLE,
        (Categorie.SANTE,),
        f"{_ID}, dernier courrier de la MSA",
    ),
    PartnerSpec(
        "france_travail",
        "France Travail",
        ReseauPorteur.FRANCE_TRAVAIL,
        (Categorie.TROUVER_UN_EMPLOI,),
        f"{_ID}, identifiant France Travail, CV",
    ),
    PartnerSpec(
        "dgfip",
        "Finances publiques (centre des impôts)",
        None,
        (
            Thematique.DIFFICULTES_ADMINISTRATIVES_OU_JURIDIQUES__ACCOMPAGNEMENT_AUX_DEMARCHES_ADMINISTRATIVES,
        ),
        f"{_ID}, dernier avis d’imposition, numéro fiscal",
    ),
    PartnerSpec(
        "ants",
        "France Titres (ANTS)",
        None,
        (
            Thematique.DIFFICULTES_ADMINISTRATIVES_OU_JURIDIQUES__ACCOMPAGNEMENT_AUX_DEMARCHES_ADMINISTRATIVES,
        ),
        "Ancien titre, justificatif de domicile, photo d’identité",
    ),
    PartnerSpec(
        "la_poste",
        "La Poste",
        ReseauPorteur.LA_POSTE,
        (
            Thematique.DIFFICULTES_ADMINISTRATIVES_OU_JURIDIQUES__ACCOMPAGNEMENT_AUX_DEMARCHES_ADMINISTRATIVES,
        ),
        f"{_ID}, avis de passage",
    ),
    PartnerSpec(
        "edf",
        "EDF",
        None,
        (Thematique.DIFFICULTES_FINANCIERES__PREVENIR_UNE_DEGRADATION_DE_LA_SITUATION_FINANCIERE,),
        f"{_ID}, dernière facture, numéro de client",
    ),
    PartnerSpec(
        "engie",
        "Engie",
        None,
        (Thematique.DIFFICULTES_FINANCIERES__PREVENIR_UNE_DEGRADATION_DE_LA_SITUATION_FINANCIERE,),
        f"{_ID}, dernière facture, numéro de client",
    ),
    PartnerSpec(
        "water",
        "Service des eaux",
        None,
        (Thematique.DIFFICULTES_FINANCIERES__PREVENIR_UNE_DEGRADATION_DE_LA_SITUATION_FINANCIERE,),
        "Dernière facture d’eau, numéro d’abonné",
    ),
    PartnerSpec(
        "transport",
        "Réseau de transports urbains",
        None,
        (Categorie.MOBILITE,),
        f"{_ID}, photo, justificatif de domicile",
    ),
    PartnerSpec(
        "social_landlord",
        "Bailleur social",
        None,
        (Categorie.LOGEMENT_HEBERGEMENT,),
        f"{_ID}, bail, dernier avis d’échéance",
    ),
    PartnerSpec(
        "ccas",
        "CCAS — Centre communal d’action sociale",
        ReseauPorteur.CCAS_CIAS,
        (Categorie.DIFFICULTES_FINANCIERES,),
        f"{_ID}, justificatifs de ressources",
    ),
    PartnerSpec(
        "pcb",
        "Point conseil budget",
        ReseauPorteur.POINTS_CONSEIL_BUDGET,
        (Thematique.DIFFICULTES_FINANCIERES__AMELIORER_SA_GESTION_BUDGETAIRE,),
        "Relevés de compte, factures en retard, justificatifs de ressources",
    ),
    PartnerSpec(
        "point_justice",
        "Point justice",
        ReseauPorteur.POINTS_JUSTICE,
        (
            Thematique.DIFFICULTES_ADMINISTRATIVES_OU_JURIDIQUES__ACCOMPAGNEMENT_POUR_LACCES_AUX_DROITS,
        ),
        f"{_ID}, courriers reçus",
    ),
    PartnerSpec(
        "mdph",
        "MDPH — Maison départementale des personnes handicapées",
        ReseauPorteur.MDPH,
        (Thematique.SANTE__CONSTITUER_UN_DOSSIER_MDPH_INVALIDITE,),
        f"{_ID}, certificat médical, justificatif de domicile",
    ),
    PartnerSpec(
        "adil",
        "ADIL — Agence départementale d’information sur le logement",
        None,
        (Thematique.LOGEMENT_HEBERGEMENT__SINFORMER_SUR_LES_DEMARCHES_LIEES_A_LACCES_AU_LOGEMENT,),
        f"{_ID}, bail, courriers du propriétaire",
    ),
)
