"""Small parsing helpers shared by the command modules."""

from __future__ import annotations

from dossier.errors import InvalidInput


def pairs(values: list[str] | None, option: str) -> dict[str, str]:
    """``KEY=VALUE`` options into a dict (the value may be empty, the key may not)."""
    out: dict[str, str] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(option, item, "must be KEY=VALUE")
        out[key.strip()] = value
    return out


def value(text: str):
    """A result value typed on the command line: a number when it reads as one, else text."""
    for kind in (int, float):
        try:
            return kind(text.replace(",", ".") if kind is float else text)
        except ValueError:
            pass
    return text
