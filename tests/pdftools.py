"""Read PDFs the way a person does, with poppler-utils: the text, the fonts, the pages as images.

Each helper takes the PDF as bytes or as a path. Bytes are written to a temporary file first
(in ``tmp`` if given, else in a temporary folder that is removed afterwards).
"""

from __future__ import annotations

import contextlib
import html
import re
import subprocess
import tempfile
from pathlib import Path


@contextlib.contextmanager
def _pdf_file(pdf: bytes | Path, tmp: Path | None = None):
    if isinstance(pdf, (str, Path)):
        yield Path(pdf)
        return
    with tempfile.TemporaryDirectory(dir=tmp) as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(pdf)
        yield path


def _run(*args) -> str:
    # stderr is not checked: poppler warns about harmless things in tagged PDFs
    # ("Suspects object is wrong type"); a real failure shows as a non-zero exit.
    done = subprocess.run(args, capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def pdf_text(pdf: bytes | Path, tmp: Path | None = None) -> str:
    """The text as pdftotext -layout reads it; pages end with a form feed (\\f)."""
    with _pdf_file(pdf, tmp) as path:
        return _run("pdftotext", "-layout", "-enc", "UTF-8", str(path), "-")


def pdf_pages(pdf: bytes | Path, tmp: Path | None = None) -> int:
    """The number of pages, from pdfinfo."""
    with _pdf_file(pdf, tmp) as path:
        for line in _run("pdfinfo", str(path)).splitlines():
            if line.startswith("Pages:"):
                return int(line.split()[1])
    raise AssertionError("pdfinfo reports no page count")


def pdf_words(pdf: bytes | Path, tmp: Path | None = None) -> list[dict]:
    """Every word with its page (from 1), the page width and its box in points (pdftotext -bbox)."""
    with _pdf_file(pdf, tmp) as path:
        out = _run("pdftotext", "-bbox", "-enc", "UTF-8", str(path), "-")
    words, page, width = [], 0, 0.0
    for tag in re.finditer(r'<page width="([\d.]+)"|<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                           r'yMax="([\d.]+)">(.*?)</word>', out):
        if tag.group(1):
            page, width = page + 1, float(tag.group(1))
            continue
        x0, y0, x1, y1 = (float(v) for v in tag.groups()[1:5])
        words.append({"page": page, "page_width": width, "text": html.unescape(tag.group(6)),
                      "x0": x0, "y0": y0, "x1": x1, "y1": y1})
    return words


def pdf_png(pdf: bytes | Path, outdir: Path, first_page_only: bool = False, prefix: str = "page") -> list[Path]:
    """Each page as a PNG at 60 dpi in ``outdir`` (``page-1.png`` …), in page order; earlier
    ``<prefix>-*.png`` files there are removed first so the list is only this PDF's pages."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    for old in outdir.glob(f"{prefix}-*.png"):
        old.unlink()
    with _pdf_file(pdf, outdir) as path:
        pages = ["-f", "1", "-l", "1"] if first_page_only else []
        _run("pdftoppm", "-png", "-r", "60", *pages, str(path), str(outdir / prefix))
    return sorted(outdir.glob(f"{prefix}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))


def pdf_fonts(pdf: bytes | Path, tmp: Path | None = None) -> list[dict]:
    """The fonts pdffonts lists: name, type, encoding, and emb / sub / uni as booleans."""
    with _pdf_file(pdf, tmp) as path:
        lines = _run("pdffonts", str(path)).splitlines()[2:]  # after the header and the dashes
    fonts = []
    for line in lines:
        # The name can be wider than its column and the type holds spaces ("CID Type 0C"),
        # so read from the right: encoding emb sub uni object-number generation.
        parts = line.split()
        if len(parts) < 8:
            continue
        fonts.append({"name": parts[0], "type": " ".join(parts[1:-6]), "encoding": parts[-6],
                      "emb": parts[-5] == "yes", "sub": parts[-4] == "yes", "uni": parts[-3] == "yes"})
    return fonts
