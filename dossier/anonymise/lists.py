"""Dutch name and place lists, read from deduce's source lists as plain text.

deduce (LGPL-3.0+, made for Dutch clinical text) ships its lookup lists as text files and
builds a pickle cache from them, which takes 8 s and 1.1 GB each start and is executed on
load. dossier reads only the small lists it needs (first names, surnames, places, common
words) straight from the text files, in about 30 ms, and never loads a pickle.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

from dossier.errors import MissingComponent

_HINT = "reinstall dossier with its dependencies: pip install --force-reinstall 'deduce==3.0.6'"


def _root() -> Path:
    spec = importlib.util.find_spec("deduce")  # locate without importing (importing is slow)
    if spec is None or not spec.submodule_search_locations:
        raise MissingComponent("anonymise needs the deduce package (its Dutch name and place lists), and it is "
                               "not installed", _HINT)
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "lookup" / "src"


def _read(*parts: str, exceptions: bool = True) -> frozenset[str]:
    folder = _root().joinpath(*parts)
    try:
        items = set((folder / "items.txt").read_text(encoding="utf-8").split("\n"))
        if exceptions and (folder / "exceptions.txt").exists():
            items -= set((folder / "exceptions.txt").read_text(encoding="utf-8").split("\n"))
    except (OSError, UnicodeDecodeError) as e:
        raise MissingComponent(f"the deduce package is broken: its list {'/'.join(parts)} cannot be read "
                               f"({getattr(e, 'strerror', None) or type(e).__name__})", _HINT) from None
    return frozenset(i.strip() for i in items if i.strip())


@functools.lru_cache(maxsize=None)
def first_names() -> frozenset[str]:
    return _read("names", "lst_first_name")


@functools.lru_cache(maxsize=None)
def surnames() -> frozenset[str]:
    return _read("names", "lst_surname")


@functools.lru_cache(maxsize=None)
def places() -> frozenset[str]:
    out = set()
    for sub in ("lst_residence", "lst_municipality", "lst_region", "lst_province"):
        out |= _read("locations", "lst_placename", sub)
    return frozenset(out)


@functools.lru_cache(maxsize=None)
def common_words() -> frozenset[str]:
    """Lower-case words that are also names or places but usually mean something else."""
    words = set()
    for parts in (("whitelist", "lst_common_word"), ("whitelist", "lst_stop_word"),
                  ("whitelist", "lst_medical_term")):
        words |= {w.lower() for w in _read(*parts)}
    return frozenset(words | EXTRA_COMMON)


# Words that are first names, surnames or places in the lists but, in coaching notes, are
# nearly always ordinary words (checked lower-cased; a title or a following surname still
# marks them as names).
EXTRA_COMMON = frozenset("""
hoop roos mark bas mei juni april augustus rust kracht vrede liefde geluk zon ster storm
vos mol kok smit bakker visser koning schaap groot klein de het een van den der ten ter
week maand jaar dag vandaag morgen gisteren thuis werk team rol doel plan stap tijd best
well will may june april summer grace hope joy faith rose mark bill frank grant
coach client cliënt sessie gesprek oefening huiswerk energie stress slaap adem hart
""".split())
