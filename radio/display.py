"""Figures as Vietnamese documents write them: 1.234,5 — a dot groups thousands, a comma
marks decimals. Every number a person reads (messages, tables, reports) goes through here."""
from __future__ import annotations


def number(value: float, digits: int | None = 1) -> str:
    """``digits`` decimals; ``None`` for as many as the value needs (12, 0,85, 12,5)."""
    text = f"{value:,.{digits}f}" if digits is not None else f"{value:,.6f}".rstrip("0").rstrip(".")
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def minutes(seconds: float) -> str:
    return f"{number(seconds / 60)} phút"
