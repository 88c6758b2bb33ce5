"""Masking of personal data (SPEC §1): ID numbers and phone numbers are hidden by default."""

from __future__ import annotations


def mask_id_no(id_no: str | None) -> str:
    """``110105199001011234`` → ``110105********1234``: the region prefix and last four stay."""
    if not id_no:
        return ""
    if len(id_no) <= 10:
        return id_no[:2] + "*" * max(len(id_no) - 4, 0) + id_no[-2:]
    return id_no[:6] + "*" * (len(id_no) - 10) + id_no[-4:]


def mask_phone(phone: str | None) -> str:
    """``13812345678`` → ``138****5678``."""
    if not phone:
        return ""
    if len(phone) < 8:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
