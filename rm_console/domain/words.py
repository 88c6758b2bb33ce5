"""Domain words in English with their Chinese names beside them (SCREENS.md, "Words")."""

from __future__ import annotations

from rm_console.domain.enums import Role, Status, Tier

TIER_ZH: dict[str, str] = {
    Tier.CORE: "核心级",
    Tier.GROWTH: "成长级",
    Tier.PLATINUM: "白金级",
    Tier.GOLD: "金级",
    Tier.POTENTIAL: "潜力级",
    Tier.ORDINARY: "普通",
}

STATUS_ZH: dict[str, str] = {
    Status.NORMAL: "正常",
    Status.WATCH: "观察",
    Status.ATTENTION: "关注",
    Status.CHURNED: "流失",
}

ROLE_ZH: dict[str, str] = {
    Role.RM: "客户经理",
    Role.BRANCH_MANAGER: "网点经理",
    Role.TELLER: "柜员",
    Role.ANALYST: "分析师",
}

ROLE_EN: dict[str, str] = {
    Role.RM: "relationship manager",
    Role.BRANCH_MANAGER: "branch manager",
    Role.TELLER: "teller",
    Role.ANALYST: "analyst",
}


def bilingual(english: str, chinese: str, lang: str) -> str:
    """``核心级 core`` in Chinese, ``core 核心级`` in English: the domain word keeps both names."""
    return f"{chinese} {english}" if lang == "zh" else f"{english} {chinese}"


def tier_label(tier: str, lang: str = "en") -> str:
    """A tier's label in both languages, the UI language first."""
    return bilingual(tier, TIER_ZH.get(tier, tier), lang)


def status_label(status: str, lang: str = "en") -> str:
    """A status's label in both languages, the UI language first."""
    return bilingual(status, STATUS_ZH.get(status, status), lang)


def role_label(role: str, lang: str = "en") -> str:
    """A role's label in the UI language."""
    return ROLE_ZH.get(role, role) if lang == "zh" else ROLE_EN.get(role, role)
