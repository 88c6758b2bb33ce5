"""The words of attention and churn alerts (SPEC §3): what the RM's SMS and e-mail say."""

from __future__ import annotations

from dataclasses import dataclass

from rm_console.domain.money import format_yuan
from rm_console.domain.words import TIER_ZH


@dataclass(frozen=True, slots=True)
class AlertText:
    """Subject and body of one notification, in Chinese and English."""

    subject: str
    body: str


def alert_text(
    *,
    kind: str,
    name: str,
    cif: str,
    tier: str,
    churned_from: str | None,
    months_below: int,
    threshold_fen: int,
    month: str,
    case_opened: bool,
) -> AlertText:
    """The notification for an RM about a customer entering attention (关注) or churn (流失)."""
    below = format_yuan(threshold_fen)
    if kind == "churn" and churned_from is not None:
        old = f"{TIER_ZH.get(churned_from, churned_from)} {churned_from}"
        subject = f"客户流失预警 Churn alert: {name} (CIF {cif})"
        body = (
            f"{name}（CIF {cif}）{month} 已从{TIER_ZH.get(churned_from, churned_from)}流失，"
            f"资产连续 {months_below} 个月低于 {below}。\n"
            f"{name} (CIF {cif}) churned from {old} in {month}: {months_below} months below {below}."
        )
    else:
        level = f"{TIER_ZH.get(tier, tier)} {tier}"
        subject = f"客户关注预警 Attention alert: {name} (CIF {cif})"
        body = (
            f"{name}（CIF {cif}）{month} 进入关注状态（{TIER_ZH.get(tier, tier)}），"
            f"资产连续 {months_below} 个月低于 {below}。\n"
            f"{name} (CIF {cif}), {level}, is in attention in {month}: {months_below} months below {below}."
        )
    if case_opened:
        body += "\n已开启挽留流程。A retention case is open."
    return AlertText(subject=subject, body=body)
