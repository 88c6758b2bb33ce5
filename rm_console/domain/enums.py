"""The closed vocabularies of the domain (SPEC §1–8), as string enums stored verbatim."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

E = TypeVar("E", bound=StrEnum)


class InstitutionKind(StrEnum):
    """Level of an institution (机构) in the hierarchy."""

    HEAD_OFFICE = "head_office"
    BRANCH = "branch"
    OUTLET = "outlet"


class Role(StrEnum):
    """What a staff member (员工) does."""

    RM = "rm"
    BRANCH_MANAGER = "branch_manager"
    TELLER = "teller"
    ANALYST = "analyst"


class CustomerKind(StrEnum):
    """Individual or corporate customer."""

    INDIVIDUAL = "individual"
    CORPORATE = "corporate"


class Gender(StrEnum):
    """Gender as recorded by the core system."""

    MALE = "M"
    FEMALE = "F"


class CommunicationStyle(StrEnum):
    """Communication style (分析型/驾驭型/平易型/表现型)."""

    ANALYTICAL = "analytical"
    DRIVER = "driver"
    AMIABLE = "amiable"
    EXPRESSIVE = "expressive"


class ValueClass(StrEnum):
    """Value class by profit contribution (贵宾/目标/大众/负效)."""

    VIP = "vip"
    TARGET = "target"
    MASS = "mass"
    NEGATIVE = "negative"


class ProductCategory(StrEnum):
    """Product categories of the catalogue (SPEC §11)."""

    DEPOSIT = "deposit"
    CTS = "cts"
    FUND = "fund"
    ACCOUNT_GOLD = "account_gold"
    PHYSICAL_GOLD = "physical_gold"
    INSURANCE = "insurance"
    TREASURY_BOND = "treasury_bond"
    WEALTH_PRODUCT = "wealth_product"
    FX = "fx"
    ONLINE_BANKING = "online_banking"
    MOBILE_BANKING = "mobile_banking"
    SMS_BANKING = "sms_banking"
    PHONE_BANKING = "phone_banking"
    WEALTH_CARD = "wealth_card"
    PRIVATE_BANKING_CARD = "private_banking_card"
    CREDIT_CARD = "credit_card"
    #: Loan products (mortgages, credit and business loans): every loan holding names one.
    LOAN = "loan"


class RiskLevel(StrEnum):
    """Risk level of an investment product, R1 (lowest) to R5."""

    R1 = "R1"
    R2 = "R2"
    R3 = "R3"
    R4 = "R4"
    R5 = "R5"


class RiskTolerance(StrEnum):
    """Assessed risk tolerance, C1 conservative to C5 aggressive."""

    C1 = "C1"
    C2 = "C2"
    C3 = "C3"
    C4 = "C4"
    C5 = "C5"


class AssetClass(StrEnum):
    """Asset class of a holding (资产分类)."""

    DEPOSIT = "deposit"
    WEALTH = "wealth"
    SETTLEMENT = "settlement"
    LOAN = "loan"
    CHANNEL = "channel"
    CARD = "card"


class LoanType(StrEnum):
    """Loan type: mortgage (个人抵押类), credit or guarantee (个人信用保证类), business."""

    MORTGAGE = "mortgage"
    CREDIT = "credit"
    BUSINESS = "business"


class LoanClass(StrEnum):
    """Five-category loan classification (五级分类)."""

    PASS = "pass"
    SPECIAL_MENTION = "special_mention"
    SUBSTANDARD = "substandard"
    DOUBTFUL = "doubtful"
    LOSS = "loss"


class CardLevel(StrEnum):
    """Credit card level."""

    DIAMOND = "diamond"
    PLATINUM = "platinum"
    GOLD = "gold"
    STANDARD = "standard"


class Direction(StrEnum):
    """Direction of a transaction."""

    IN = "in"
    OUT = "out"


class Counterparty(StrEnum):
    """Whether a transaction's counterparty is in this bank (行内) or outside it (行外)."""

    IN_BANK = "in_bank"
    OUT_BANK = "out_bank"


class Tier(StrEnum):
    """Customer tier (客户等级), highest first in declaration order."""

    CORE = "core"
    GROWTH = "growth"
    PLATINUM = "platinum"
    GOLD = "gold"
    POTENTIAL = "potential"
    ORDINARY = "ordinary"

    @property
    def rank(self) -> int:
        """0 for the highest tier (core) up to 5 for ordinary."""
        return _TIER_RANKS[self]


class Status(StrEnum):
    """Status (客户状态) of a tiered customer."""

    NORMAL = "normal"
    WATCH = "watch"
    ATTENTION = "attention"
    CHURNED = "churned"


class TierChangeReason(StrEnum):
    """Why a tier changed between two evaluation months."""

    UPGRADE = "upgrade"
    DOWNGRADE = "downgrade"
    CHURN = "churn"


class AssignmentRole(StrEnum):
    """Primary (主客户经理) or secondary (副客户经理) RM."""

    PRIMARY = "primary"
    SECONDARY = "secondary"


class CreditRole(StrEnum):
    """Role of a staff member in a sale."""

    SELLER = "seller"
    REFERRER = "referrer"


class CreditSource(StrEnum):
    """Which rule produced a sale credit."""

    AUTO = "auto"
    MANUAL = "manual"
    GRACE = "grace"
    ADJUSTED = "adjusted"


class ContactKind(StrEnum):
    """Kinds of contact record."""

    VISIT = "visit"
    CALL = "call"
    MESSAGE = "message"
    EVENT = "event"


class ReminderState(StrEnum):
    """What an RM did with a reminder."""

    DONE = "done"
    SNOOZED = "snoozed"
    DISMISSED = "dismissed"


class AlertKind(StrEnum):
    """Alerts raised by tier evaluation."""

    ATTENTION = "attention"
    CHURN = "churn"


class CaseStatus(StrEnum):
    """State of a retention case or complaint."""

    OPEN = "open"
    CLOSED = "closed"


def values(enum: type[StrEnum]) -> list[str]:
    """The stored values of an enum, in declaration order."""
    return [member.value for member in enum]


_MEMBERS: dict[type[StrEnum], dict[str, StrEnum]] = {}
_TIER_RANKS = {tier: rank for rank, tier in enumerate(Tier)}


def member(enum: type[E], value: E | str) -> E:
    """``value`` (a stored string or a member) as a member of ``enum``, by one dictionary lookup.

    The same as ``enum(value)``, a ValueError included for a value that is not one of the enum's; the
    rules that convert thousands of stored rows a day use this instead of the enum's slower call.
    """
    members = _MEMBERS.get(enum)
    if members is None:
        members = _MEMBERS[enum] = {m.value: m for m in enum}
    found = members.get(value)
    return found if found is not None else enum(value)  # type: ignore[return-value]
