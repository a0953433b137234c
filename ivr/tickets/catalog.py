"""Default agencies and categories, seeded into an empty database (admins may edit them later).

The first five category codes are the IVR's ("roads", "utilities", "environment",
"public_order", "other"); the others reach the tiers the phone menu has no key for.
"""

from __future__ import annotations

from dataclasses import dataclass

from .deadlines import Tier


@dataclass(frozen=True)
class AgencySpec:
    code: str
    name_en: str
    name_id: str
    office_hours: bool  # False: works round the clock, deadlines count clock time
    supervisor: str


@dataclass(frozen=True)
class CategorySpec:
    code: str
    name: str
    description: str
    agency: str
    tier: Tier
    group: str
    keywords: str = ""


DEFAULT_AGENCIES: tuple[AgencySpec, ...] = (
    AgencySpec("public_works", "Public Works Agency", "Dinas Bina Marga", True,
               "public_works-supervisor"),
    AgencySpec("utilities", "Water, Power and Gas Services", "Layanan Air, Listrik dan Gas",
               False, "utilities-supervisor"),
    AgencySpec("environment", "Environment Agency", "Dinas Lingkungan Hidup", True,
               "environment-supervisor"),
    AgencySpec("public_order", "Public Order Agency", "Satuan Polisi Pamong Praja", False,
               "public_order-supervisor"),
    AgencySpec("citizen_service", "Citizen Service Office", "Kantor Pelayanan Warga", True,
               "citizen_service-supervisor"),
    AgencySpec("disaster", "Disaster Management Agency", "Badan Penanggulangan Bencana",
               False, "disaster-supervisor"),
)

DEFAULT_CATEGORIES: tuple[CategorySpec, ...] = (
    CategorySpec("roads", "Roads and infrastructure",
                 "Potholes, broken street lights, damaged bridges and pavements.",
                 "public_works", Tier.GENERAL, "infrastructure", "pothole,road,bridge,light"),
    CategorySpec("utilities", "Water, electricity and gas",
                 "No water, power cut, gas smell, heating failure.",
                 "utilities", Tier.UTILITY, "utilities", "water,power,gas,heating"),
    CategorySpec("environment", "Waste and environment",
                 "Uncollected waste, illegal dumping, pollution, blocked drains.",
                 "environment", Tier.GENERAL, "environment", "waste,garbage,pollution,flood"),
    CategorySpec("public_order", "Public order and social affairs",
                 "Noise, street vendors blocking the way, social welfare.",
                 "public_order", Tier.GENERAL, "public order", "noise,vendor,social"),
    CategorySpec("other", "Other", "Anything else; the citizen service office routes it.",
                 "citizen_service", Tier.GENERAL, "other"),
    CategorySpec("hazard", "Danger to life or property",
                 "A fallen tree on a road, an open manhole, a wall about to collapse. "
                 "For an emergency in progress call 112.",
                 "disaster", Tier.URGENT, "safety", "danger,collapse,manhole,tree"),
    CategorySpec("complex", "Land, housing and multi-agency issues",
                 "Issues that need several agencies or an investigation.",
                 "citizen_service", Tier.COMPLEX, "other", "land,housing,permit"),
)

FALLBACK_CATEGORY = "other"


@dataclass(frozen=True)
class AttributeSpec:
    """An Open311 service attribute: a question asked when a request is made."""

    code: str
    description: str
    datatype: str  # string, number, datetime, text, singlevaluelist, multivaluelist
    required: bool
    values: tuple[tuple[str, str], ...] = ()  # (key, name) for list types
    order: int = 1


ATTRIBUTES: dict[str, tuple[AttributeSpec, ...]] = {
    "utilities": (AttributeSpec("utility", "Which service is affected?", "singlevaluelist",
                                True, (("water", "Water"), ("electricity", "Electricity"),
                                       ("gas", "Gas"), ("heating", "Heating"))),),
    "hazard": (AttributeSpec("people_at_risk", "Is anyone in danger right now?",
                             "singlevaluelist", True, (("yes", "Yes"), ("no", "No"))),),
}
