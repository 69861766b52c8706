"""Controlled vocabularies of the catalogue (published as enums in the OpenAPI document)."""

from __future__ import annotations

from enum import StrEnum


class ProcessorStatus(StrEnum):
    DRAFT = "draft"  # never public
    ACTIVE = "active"  # on the public list (once its addition takes effect)
    RETIRED = "retired"  # off the list, kept with its history


STATUSES = tuple(ProcessorStatus)

# Allowed lifecycle moves; a processor never goes back to draft once published.
STATUS_TRANSITIONS = {
    ProcessorStatus.DRAFT: set(ProcessorStatus),
    ProcessorStatus.ACTIVE: {ProcessorStatus.ACTIVE, ProcessorStatus.RETIRED},
    ProcessorStatus.RETIRED: {ProcessorStatus.RETIRED, ProcessorStatus.ACTIVE},
}

DATA_CATEGORIES = (
    "identity",
    "contact",
    "account",
    "authentication",
    "billing",
    "payment_card",
    "transaction",
    "usage",
    "device",
    "network",
    "location",
    "content",
    "communications",
    "audio",
    "support",
    "marketing",
    "employment",
    "special_category",
    "criminal_offences",
)

DATA_SUBJECTS = (
    "customers",
    "end_users",
    "customer_employees",
    "prospects",
    "website_visitors",
    "employees",
    "contractors",
    "suppliers",
    "children",
)

LOCATION_ROLES = ("hosting", "storage", "support_access", "processing")

SAFEGUARD_TYPES = (
    "dpf",
    "scc",
    "uk_idta",
    "uk_addendum",
    "bcr",
    "code_of_conduct",
    "certification",
    "ad_hoc_clauses",
    "derogation",
)

CURRENT_SCC_VERSION = "2021/914"
# Repealed sets are accepted so old contracts can be recorded; compliance flags them.
SCC_VERSIONS = (CURRENT_SCC_VERSION, "2010/87/EU", "2004/915/EC", "2001/497/EC")
SCC_MODULES = (1, 2, 3, 4)

DPF_FRAMEWORKS = ("eu_us", "uk_extension", "swiss_us")

DEROGATION_ARTICLES = tuple(f"49(1)({letter})" for letter in "abcdefg")

TIA_OUTCOMES = ("acceptable", "acceptable_with_measures", "not_acceptable")

ART28_ELEMENTS = tuple("abcdefgh")

# Which optional safeguard fields each type takes, and which of them it requires.
SAFEGUARD_FIELDS: dict[str, tuple[set[str], set[str]]] = {
    # type: (allowed, required)
    "dpf": ({"certification_ref", "certified_on", "frameworks"}, {"certification_ref", "certified_on"}),
    "scc": ({"module", "version", "signed_on", "document_url"}, {"version"}),
    "uk_idta": ({"reference", "signed_on", "document_url"}, set()),
    "uk_addendum": ({"reference", "signed_on", "document_url"}, set()),
    "bcr": ({"approval_ref", "reference", "document_url"}, {"approval_ref"}),
    "code_of_conduct": ({"reference", "document_url"}, {"reference"}),
    "certification": ({"reference", "document_url"}, {"reference"}),
    "ad_hoc_clauses": ({"approval_ref", "signed_on", "document_url"}, set()),
    "derogation": ({"article", "reference"}, {"article"}),
}
SAFEGUARD_DETAIL_FIELDS = (
    "module",
    "version",
    "certification_ref",
    "certified_on",
    "frameworks",
    "approval_ref",
    "reference",
    "article",
    "signed_on",
    "document_url",
)
