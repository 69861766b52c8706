"""Transfer-compliance rules: each looks at one processor and yields findings.

A rule never guesses adequacy: it asks the adequacy lookup for the location's
country under the regime being checked, on the date being checked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from registry.adequacy import transfers
from registry.adequacy.dataset import ADEQUATE, ADEQUATE_CONDITIONAL, EEA, UNKNOWN
from registry.adequacy.lookup import AdequacyResult, adequacy
from registry.catalogue import vocabularies
from registry.catalogue.models import Dpa, Location, Processor
from registry.catalogue.vocabularies import ProcessorStatus
from registry.changes.facts import tool_facts
from registry.changes.models import ChangeEvent

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES = (ERROR, WARNING, INFO)

TIA_TOOLS = {"scc", "uk_idta", "uk_addendum", "bcr", "ad_hoc_clauses"}
SYSTEMATIC_ROLES = {"hosting", "storage", "processing"}
PROCESSOR_TO_SUBPROCESSOR_MODULE = 3


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    message: str
    fix: str
    processor_id: str
    processor_name: str
    location_id: str | None = None
    dpa_id: str | None = None
    regime: str | None = None


@dataclass(frozen=True)
class UndeliverableNotice:
    """A change whose notice could not be built for some subscribers, so never reached them."""

    seq: int
    type: str
    delivery_ids: tuple[int, ...]


@dataclass(frozen=True)
class ChangeAnswers:
    """What customers answered a change of a processor: unresolved objections, and the
    customers with specific authorisation whose approval is missing."""

    seq: int
    type: str
    effective_at: datetime
    unresolved: int = 0
    approvals_missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class CustomerUndelivered:
    """A change whose notice failed for good to a customer's contact."""

    seq: int
    type: str
    customers: tuple[str, ...]
    delivery_ids: tuple[int, ...]


@dataclass(frozen=True)
class CheckContext:
    regime: str
    on: date
    tia_max_age_days: int = 730
    parents: dict[str, Processor] = field(default_factory=dict)
    # Recent or pending changes announced with less than the promised notice, by processor.
    shortened_notices: dict[str, list[ChangeEvent]] = field(default_factory=dict)
    # Changes whose notice failed because it could not be built, by processor.
    undeliverable_notices: dict[str, list[UndeliverableNotice]] = field(default_factory=dict)
    # The moment checked (the end of `on`, or now for today) and customers' answers.
    moment: datetime | None = None
    answers: dict[str, list[ChangeAnswers]] = field(default_factory=dict)
    customer_undelivered: dict[str, list[CustomerUndelivered]] = field(default_factory=dict)

    @property
    def at(self) -> datetime:
        """The moment checked: `moment`, else the end of `on` (UTC)."""
        return self.moment or datetime.combine(self.on, time.max, tzinfo=UTC)


@dataclass(frozen=True)
class Issue:
    """What a rule found; the rule turns it into a Finding with its own id and severity."""

    message: str
    fix: str
    location: Location | None = None
    dpa: Dpa | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    title: str
    check: Callable[[Processor, CheckContext], Iterator[Issue]]
    # Also for processors outside the check (retired; drafts without include_drafts).
    every_status: bool = False

    def findings(self, processor: Processor, ctx: CheckContext) -> Iterator[Finding]:
        for issue in self.check(processor, ctx):
            yield Finding(
                rule=self.id, severity=self.severity, message=issue.message, fix=issue.fix,
                processor_id=processor.id, processor_name=processor.name,
                location_id=issue.location.id if issue.location else None,
                dpa_id=issue.dpa.id if issue.dpa else None, regime=ctx.regime,
            )


RULES: dict[str, Rule] = {}


def rule(rule_id: str, severity: str, title: str, *, every_status: bool = False):
    def register(check):
        RULES[rule_id] = Rule(rule_id, severity, title, check, every_status)
        return check

    return register


def _where(processor: Processor, location: Location) -> str:
    region = f" ({location.region})" if location.region else ""
    return f"{processor.name}'s {location.role} location in {location.country}{region}"


# -- the transfer basis of a location (one rule, in adequacy.transfers) ------------


def condition_met(location: Location, result: AdequacyResult, on: date) -> bool:
    """Whether the recipient is recorded as within a conditional decision's scope."""
    return transfers.condition_met(result, tool_facts(location), location.scope_confirmed, on)


def relies_on_adequacy(location: Location, result: AdequacyResult, on: date) -> bool:
    return transfers.relies_on_adequacy(result, tool_facts(location), location.scope_confirmed,
                                        on)


def transfer_tools(location: Location, regime: str, on: date) -> list[transfers.Transfer]:
    """The Art. 46 tools and Art. 49 derogations recorded that the regime accepts on `on`."""
    return transfers.accepted_tools(tool_facts(location), regime, on)


def basis_of(location: Location, ctx: CheckContext) -> str:
    return transfers.transfer_basis(location.country, ctx.regime, ctx.on, tool_facts(location),
                                    scope_confirmed=location.scope_confirmed).basis


def _transfers(processor: Processor, ctx: CheckContext
               ) -> Iterator[tuple[Location, AdequacyResult]]:
    """Locations whose data leaves the exporter's own area (on a day the regime's
    dataset covers: before its horizon nothing can be said)."""
    for location in processor.locations:
        result = adequacy(location.country, ctx.regime, ctx.on)
        if result.status not in (EEA, UNKNOWN):
            yield location, result


# -- rules ------------------------------------------------------------------------


@rule("transfer.no_safeguard", ERROR,
      "Transfer to a non-adequate country without an Art. 46/47/49 safeguard")
def no_safeguard(processor: Processor, ctx: CheckContext) -> Iterator[Issue]:
    for location, result in _transfers(processor, ctx):
        if result.status in (ADEQUATE, ADEQUATE_CONDITIONAL):
            continue  # conditional adequacy is checked by its own rule
        if transfer_tools(location, ctx.regime, ctx.on):
            continue
        if ctx.regime == "UK" and any(s.type == "scc" for s in location.safeguards):
            continue  # reported by uk.addendum_missing, with a sharper fix
        yield Issue(
            f"{_where(processor, location)} is not adequate under the {ctx.regime} regime "
            "and has no transfer safeguard.",
            "Add SCCs 2021/914 Module 3 (with a transfer impact assessment), BCRs or another "
            "Art. 46 safeguard, or move the data to an adequate country.",
            location=location,
        )


@rule("adequacy.condition_not_recorded", ERROR,
      "Conditional adequacy relied on without the condition recorded")
def condition_not_recorded(processor: Processor, ctx: CheckContext) -> Iterator[Issue]:
    for location, result in _transfers(processor, ctx):
        if result.status != ADEQUATE_CONDITIONAL or condition_met(location, result, ctx.on):
            continue
        if transfer_tools(location, ctx.regime, ctx.on):
            continue  # another safeguard carries the transfer
        framework = transfers.CERTIFIED_FRAMEWORK.get(result.condition or "")
        fix = (
            f"Record the recipient's DPF certification (reference and date, covering "
            f"{framework}), or add SCCs 2021/914 Module 3."
            if framework else
            "Confirm the recipient is within the decision's scope (scope_confirmed), or add "
            "SCCs 2021/914 Module 3."
        )
        yield Issue(
            f"{_where(processor, location)} relies on {result.decision}, which covers only "
            f"some recipients ({result.condition_text or result.condition}); nothing records "
            "that this recipient qualifies.",
            fix, location=location,
        )


@rule("scc.repealed_set", ERROR, "SCCs of a repealed set")
def scc_repealed(processor: Processor, ctx: CheckContext) -> Iterator[Issue]:
    for location in processor.locations:
        for safeguard in location.safeguards:
            if safeguard.type == "scc" and safeguard.version != vocabularies.CURRENT_SCC_VERSION:
                yield Issue(
                    f"{_where(processor, location)} uses the repealed SCCs {safeguard.version}.",
                    f"Sign the {vocabularies.CURRENT_SCC_VERSION} clauses (Module 3); contracts on the "
                    "old sets had to be replaced by 27 December 2022.",
                    location=location,
                )


@rule("scc.no_module", ERROR, "SCCs 2021/914 without a module")
def scc_no_module(processor: Processor, ctx: CheckContext) -> Iterator[Issue]:
    for location in processor.locations:
        for safeguard in location.safeguards:
            if (safeguard.type == "scc" and safeguard.version == vocabularies.CURRENT_SCC_VERSION
                    and safeguard.module is None):
                yield Issue(
                    f"{_where(processor, location)} records SCCs 2021/914 without a module.",
                    "Record the module signed; ours to a sub-processor is Module 3.",
                    location=location,
                )


@rule("scc.module_mismatch", WARNING, "SCC module does not fit a processor-to-sub-processor transfer")
def scc_module_mismatch(processor: Processor, ctx: CheckContext) -> Iterator[Issue]:
    for location in processor.locations:
        for safeguard in location.safeguards:
            if (safeguard.type == "scc" and safeguard.module is not None
                    and safeguard.module != PROCESSOR_TO_SUBPROCESSOR_MODULE):
                yield Issue(
                    f"{_where(processor, location)} uses SCC Module {safeguard.module}; a "
                    "transfer from us (processor) to a sub-processor is Module 3.",
                    "Check the roles; sign Module 3 unless the recipient is not our processor.",
                    location=location,
                )


@rule("uk.addendum_missing", ERROR, "UK transfer on EU SCCs without the UK Addendum or IDTA")
def uk_addendum_missing(processor: Processor, ctx: CheckContext) -> Iterator[Issue]:
    if ctx.regime != "UK":
        return
    for location, result in _transfers(processor, ctx):
        if relies_on_adequacy(location, result, ctx.on):
            continue
        types = {s.type for s in location.safeguards}
        if "scc" in types and not types & {"uk_addendum", "uk_idta"}:
            yield Issue(
                f"{_where(processor, location)} relies on EU SCCs, which need the UK Addendum "
                "for UK transfers.",
                "Add the UK Addendum to the EU SCCs, or sign the UK IDTA.",
                location=location,
            )


@rule("tia.missing", WARNING, "Transfer tool without a transfer impact assessment")
def tia_missing(processor: Processor, ctx: CheckContext) -> Iterator[Issue]:
    for location, result in _transfers(processor, ctx):
        if relies_on_adequacy(location, result, ctx.on) or location.tia_assessed_on is not None:
            continue
        if any(s.type in TIA_TOOLS for s in location.safeguards):
            yield Issue(
                f"{_where(processor, location)} relies on a transfer tool to a non-adequate "
                "country without a transfer impact assessment.",
                "Assess the destination's laws and practice (EDPB Recommendations 01/2020) "
                "and record the TIA with its date and outcome.",
                location=location,
            )


@rule("tia.outdated", WARNING, "Transfer impact assessment older than the configured age")
def tia_outdated(processor: Processor, ctx: CheckContext) -> Iterator[Issue]:
    limit = ctx.on - timedelta(days=ctx.tia_max_age_days)
    for location, result in _transfers(processor, ctx):
        if relies_on_adequacy(location, result, ctx.on) or location.tia_assessed_on is None:
            continue
        if location.tia_assessed_on < limit:
            yield Issue(
                f"The transfer impact assessment for {_where(processor, location)} dates from "
                f"{location.tia_assessed_on.isoformat()}, more than {ctx.tia_max_age_days} "
                "days ago.",
                "Review the TIA against current law and practice and record the new date.",
                location=location,
            )


@rule("tia.not_acceptable", ERROR, "Transfer continues although its TIA concluded it is not acceptable")
def tia_not_acceptable(processor: Processor, ctx: CheckContext) -> Iterator[Issue]:
    for location, result in _transfers(processor, ctx):
        if not relies_on_adequacy(location, result, ctx.on) and location.tia_outcome == "not_acceptable":
            yield Issue(
                f"The TIA for {_where(processor, location)} concluded the transfer is not "
                "acceptable.",
                "Add supplementary measures and reassess, or stop the transfer.",
                location=location,
            )


@rule("derogation.systematic", WARNING, "Art. 49 derogation used for a systematic transfer")
def derogation_systematic(processor: Processor, ctx: CheckContext) -> Iterator[Issue]:
    for location, result in _transfers(processor, ctx):
        if relies_on_adequacy(location, result, ctx.on) or location.role not in SYSTEMATIC_ROLES:
            continue
        tools = transfer_tools(location, ctx.regime, ctx.on)
        if tools and all(tool.basis == "derogation" for tool in tools):
            yield Issue(
                f"{_where(processor, location)} relies only on an Art. 49 derogation, which "
                "covers occasional transfers, not a systematic "
                f"{location.role} arrangement.",
                "Put an Art. 46 safeguard in place (SCCs 2021/914 Module 3 or BCRs).",
                location=location,
            )


@rule("adequacy.under_review", INFO, "Adequacy relied on is expiring soon or under litigation")
def adequacy_under_review(processor: Processor, ctx: CheckContext) -> Iterator[Issue]:
    notes = {"expiring_soon": "expires within 180 days", "under_litigation": "is under litigation"}
    for location, result in _transfers(processor, ctx):
        if not relies_on_adequacy(location, result, ctx.on):
            continue
        for code in result.notes:
            if code in notes:
                fallback = bool(transfer_tools(location, ctx.regime, ctx.on))
                yield Issue(
                    f"{_where(processor, location)} relies on {result.decision}, which "
                    f"{notes[code]}." + (" SCCs are in place as a fallback." if fallback else ""),
                    "No action needed now; keep SCCs 2021/914 Module 3 ready as a fallback."
                    if not fallback else "No action needed.",
                    location=location,
                )


def current_dpa(processor: Processor) -> Dpa | None:
    return max(processor.dpas, key=lambda dpa: dpa.signed_on, default=None)


@rule("dpa.missing", ERROR, "No data processing agreement")
def dpa_missing(processor: Processor, ctx: CheckContext) -> Iterator[Issue]:
    if current_dpa(processor) is None:
        yield Issue(
            f"{processor.name} has no DPA on record (GDPR Art. 28(3)).",
            "Sign a DPA covering Art. 28(3)(a)-(h) and record it with its document.",
        )


@rule("dpa.expired", ERROR, "DPA expired")
def dpa_expired(processor: Processor, ctx: CheckContext) -> Iterator[Issue]:
    dpa = current_dpa(processor)
    if dpa is not None and dpa.expires_on is not None and dpa.expires_on < ctx.on:
        yield Issue(
            f"{processor.name}'s DPA {dpa.version} expired on {dpa.expires_on.isoformat()}.",
            "Renew the DPA and record the new version.", dpa=dpa,
        )


@rule("dpa.review_overdue", WARNING, "DPA past its review date")
def dpa_review_overdue(processor: Processor, ctx: CheckContext) -> Iterator[Issue]:
    dpa = current_dpa(processor)
    if dpa is not None and dpa.review_on is not None and dpa.review_on < ctx.on:
        yield Issue(
            f"{processor.name}'s DPA {dpa.version} was due for review on "
            f"{dpa.review_on.isoformat()}.",
            "Review the DPA and record the next review date (or a new version).", dpa=dpa,
        )


@rule("dpa.art28_incomplete", ERROR, "DPA misses an Art. 28(3) element")
def dpa_art28_incomplete(processor: Processor, ctx: CheckContext) -> Iterator[Issue]:
    dpa = current_dpa(processor)
    if dpa is None:
        return
    missing = [k for k in vocabularies.ART28_ELEMENTS if not (dpa.art28 or {}).get(k)]
    if missing:
        letters = ", ".join(f"({k})" for k in missing)
        yield Issue(
            f"{processor.name}'s DPA {dpa.version} does not cover Art. 28(3){letters}.",
            "Amend the DPA to cover every element of Art. 28(3)(a)-(h).", dpa=dpa,
        )


@rule("chain.parent_inactive", ERROR, "Active sub-processor under a retired or draft parent")
def chain_parent_inactive(processor: Processor, ctx: CheckContext) -> Iterator[Issue]:
    parent = ctx.parents.get(processor.parent_id or "")
    if (processor.status == ProcessorStatus.ACTIVE and parent is not None
            and parent.status != ProcessorStatus.ACTIVE):
        yield Issue(
            f"{processor.name} is active but its parent {parent.name} is {parent.status}.",
            f"Retire {processor.name}, or activate {parent.name} or move it to another parent.",
        )


@rule("chain.transfer_without_basis", ERROR,
      "Sub-processor's transfer has no basis where its parent's transfers have one")
def chain_transfer_without_basis(processor: Processor, ctx: CheckContext) -> Iterator[Issue]:
    parent = ctx.parents.get(processor.parent_id or "")
    if parent is None or any(basis_of(above, ctx) == "none" for above in parent.locations):
        return  # the parent's own gap is the parent's finding
    for location in processor.locations:
        if basis_of(location, ctx) == "none":
            yield Issue(
                f"{_where(processor, location)} has no transfer basis under the {ctx.regime} "
                f"regime, although the transfers of its parent {parent.name} have one: the "
                "chain breaks here (EDPB Opinion 22/2024).",
                f"Record the safeguard {processor.name} relies on for this onward transfer "
                "(SCCs 2021/914 Module 3, BCRs, ...), or stop it.",
                location=location,
            )


@rule("notice.shortened", WARNING, "Change announced with less than the promised notice")
def notice_shortened(processor: Processor, ctx: CheckContext) -> Iterator[Issue]:
    for event in ctx.shortened_notices.get(processor.id, []):
        days = (event.effective_at - event.announced_at).days
        yield Issue(
            f"Change #{event.seq} ({event.type}) for {processor.name} was announced "
            f"{event.announced_at.date().isoformat()} to take effect "
            f"{event.effective_at.date().isoformat()}, {days} days later. Reason given: "
            f"{event.notice_override_reason}",
            "Make sure customers' contracts allow the shorter notice, and keep evidence of "
            "the reason; withdraw the change if they do not.",
        )


# A finding lists this many deliveries to retry, and counts the rest.
LISTED_DELIVERIES = 5


def _retry_paths(delivery_ids: tuple[int, ...]) -> str:
    paths = ", ".join(f"POST /v1/deliveries/{id_}/retry"
                      for id_ in delivery_ids[:LISTED_DELIVERIES])
    rest = len(delivery_ids) - LISTED_DELIVERIES
    return paths + (f" and the {rest} other failed deliveries of this change" if rest > 0
                    else "")


@rule("notice.undeliverable", ERROR, "Change notice that could not be built and was not sent",
      every_status=True)
def notice_undeliverable(processor: Processor, ctx: CheckContext) -> Iterator[Issue]:
    # Every status: the notice of a removal matters as much as that of an addition.
    for notice in ctx.undeliverable_notices.get(processor.id, []):
        count = len(notice.delivery_ids)
        subscribers = "1 subscriber" if count == 1 else f"{count} subscribers"
        yield Issue(
            f"The notice of change #{notice.seq} ({notice.type}) for {processor.name} could "
            f"not be built, so it was never sent to {subscribers}.",
            "Fix what the delivery worker's log names under \"cannot build the message of "
            f"delivery {notice.delivery_ids[0]}\" (the text of the change, or the "
            f"subscription), then retry: {_retry_paths(notice.delivery_ids)}.",
        )


OBJECTION_WARNING_DAYS = 7


def _objections(count: int) -> str:
    return "1 objection" if count == 1 else f"{count} objections"


@rule("objection.open_near_effect", WARNING,
      "Change takes effect within 7 days with objections still open")
def objection_open_near_effect(processor: Processor, ctx: CheckContext) -> Iterator[Issue]:
    soon = ctx.at + timedelta(days=OBJECTION_WARNING_DAYS)
    for answers in ctx.answers.get(processor.id, []):
        if answers.unresolved and ctx.at < answers.effective_at <= soon:
            yield Issue(
                f"Change #{answers.seq} ({answers.type}) for {processor.name} takes effect on "
                f"{answers.effective_at:%Y-%m-%d %H:%M} UTC with "
                f"{_objections(answers.unresolved)} not resolved.",
                f"Resolve them (PATCH /v1/objections/{{id}}, list: /v1/objections?change_seq="
                f"{answers.seq}), or withdraw the change (POST /v1/changes/{answers.seq}/"
                "withdraw) before it takes effect.")


@rule("objection.unresolved_in_effect", ERROR, "Change in effect with unresolved objections")
def objection_unresolved_in_effect(processor: Processor, ctx: CheckContext
                                   ) -> Iterator[Issue]:
    for answers in ctx.answers.get(processor.id, []):
        if answers.unresolved and answers.effective_at <= ctx.at:
            yield Issue(
                f"Change #{answers.seq} ({answers.type}) for {processor.name} took effect on "
                f"{answers.effective_at:%Y-%m-%d %H:%M} UTC with "
                f"{_objections(answers.unresolved)} never resolved.",
                f"Resolve each with its outcome (/v1/objections?change_seq={answers.seq}); "
                "the objectors are told.")


@rule("approval.missing", ERROR,
      "Change in effect without the approval of a customer with specific authorisation")
def approval_missing(processor: Processor, ctx: CheckContext) -> Iterator[Issue]:
    for answers in ctx.answers.get(processor.id, []):
        if answers.approvals_missing and answers.effective_at <= ctx.at:
            yield Issue(
                f"Change #{answers.seq} ({answers.type}) for {processor.name} is in effect "
                f"without the prior approval of {', '.join(answers.approvals_missing)}, whose "
                "contract requires it (specific authorisation).",
                "Obtain and record the approval (the customer answers by the link in its "
                "notice), or stop using the processor for that customer's services.")


@rule("notice.customer_undelivered", ERROR,
      "Change notice that could not be delivered to a customer's contact", every_status=True)
def notice_customer_undelivered(processor: Processor, ctx: CheckContext) -> Iterator[Issue]:
    for notice in ctx.customer_undelivered.get(processor.id, []):
        yield Issue(
            f"The notice of change #{notice.seq} ({notice.type}) for {processor.name} did not "
            f"reach {', '.join(notice.customers)}: every attempt to its contact failed.",
            "Check the customer's contact addresses (PATCH /v1/customers/{id}) and the mail "
            f"server, then retry: {_retry_paths(notice.delivery_ids)}.")


def check_processor(processor: Processor, ctx: CheckContext, *,
                    in_scope: bool = True) -> list[Finding]:
    """The processor's findings; out of scope (see `Rule.every_status`), only those of
    the rules for every status."""
    return [finding for each in RULES.values() if in_scope or each.every_status
            for finding in each.findings(processor, ctx)]
