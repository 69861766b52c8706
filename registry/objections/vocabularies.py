"""Kinds, states and outcomes of objections."""

from __future__ import annotations

from enum import StrEnum


class ObjectionKind(StrEnum):
    OBJECTION = "objection"  # general authorisation
    APPROVAL = "approval"  # specific authorisation
    REFUSAL = "refusal"


class ObjectionStatus(StrEnum):
    UNCONFIRMED = "unconfirmed"  # sent without a notice's token; the address has not confirmed
    OPEN = "open"
    UNDER_REVIEW = "under_review"
    RESOLVED = "resolved"


class Outcome(StrEnum):
    CHANGE_WITHDRAWN = "change_withdrawn"
    OBJECTION_REJECTED = "objection_rejected"
    ALTERNATIVE_OFFERED = "alternative_offered"
    CONTRACT_TERMINATED = "contract_terminated"
    APPROVED = "approved"


# Which states the legal team may move an objection to from each.
TRANSITIONS: dict[str, frozenset[str]] = {
    ObjectionStatus.UNCONFIRMED: frozenset(),
    ObjectionStatus.OPEN: frozenset({ObjectionStatus.UNDER_REVIEW, ObjectionStatus.RESOLVED}),
    ObjectionStatus.UNDER_REVIEW: frozenset({ObjectionStatus.OPEN, ObjectionStatus.RESOLVED}),
    ObjectionStatus.RESOLVED: frozenset({ObjectionStatus.UNDER_REVIEW}),
}
UNRESOLVED = frozenset({ObjectionStatus.OPEN, ObjectionStatus.UNDER_REVIEW})
