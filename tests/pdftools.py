"""Read PDFs the way a person does: the text, the fonts, the pages as images.

Everything here installs with pip (wheels for Linux, macOS and Windows), so the tests need no
system tool: pypdfium2 (Google's PDFium, the engine of Chrome's PDF viewer) renders pages and
extracts text with each character's box, and pypdf (pure Python) reads the font dictionaries,
which PDFium does not expose as a list. Each helper takes the PDF as bytes or as a path;
``tmp`` is accepted for the callers written against the earlier, file-based helpers.
"""

from __future__ import annotations

from pathlib import Path

import pypdf
import pypdfium2 as pdfium


def _bytes(pdf: bytes | Path) -> bytes:
    return Path(pdf).read_bytes() if isinstance(pdf, (str, Path)) else pdf


def _document(pdf: bytes | Path) -> pdfium.PdfDocument:
    return pdfium.PdfDocument(_bytes(pdf))


def pdf_text(pdf: bytes | Path, tmp: Path | None = None) -> str:
    """The text of every page in reading order; lines end with \\n, pages with a form feed (\\f)."""
    doc = _document(pdf)
    try:
        pages = []
        for page in doc:
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n"))
            textpage.close()
            page.close()
        return "".join(p.rstrip("\n") + "\n\f" for p in pages)
    finally:
        doc.close()


def pdf_pages(pdf: bytes | Path, tmp: Path | None = None) -> int:
    """The number of pages."""
    doc = _document(pdf)
    try:
        return len(doc)
    finally:
        doc.close()


def pdf_words(pdf: bytes | Path, tmp: Path | None = None) -> list[dict]:
    """Every word with its page (from 1), the page width and its box in points, measured from
    the top left of the page (as pdftotext -bbox gives them)."""
    doc = _document(pdf)
    words: list[dict] = []
    try:
        for number, page in enumerate(doc, start=1):
            width, height = page.get_size()
            textpage = page.get_textpage()
            current: dict | None = None
            for i in range(textpage.count_chars()):
                ch = textpage.get_text_range(i, 1)
                if not ch or ch.isspace() or ch in "\ufffe\x02":
                    current = None
                    continue
                left, bottom, right, top = textpage.get_charbox(i)
                box = {"x0": left, "y0": height - top, "x1": right, "y1": height - bottom}
                if current is not None and abs(box["y0"] - current["y0"]) < 2 and box["x0"] - current["x1"] < 1.5:
                    current["text"] += ch
                    current["x1"] = max(current["x1"], box["x1"])
                    current["y0"], current["y1"] = min(current["y0"], box["y0"]), max(current["y1"], box["y1"])
                    continue
                current = {"page": number, "page_width": width, "text": ch, **box}
                words.append(current)
            textpage.close()
            page.close()
    finally:
        doc.close()
    return words


def pdf_png(pdf: bytes | Path, outdir: Path, first_page_only: bool = False, prefix: str = "page") -> list[Path]:
    """Each page as a PNG at 60 dpi in ``outdir`` (``page-1.png`` …), in page order; earlier
    ``<prefix>-*.png`` files there are removed first so the list is only this PDF's pages."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    for old in outdir.glob(f"{prefix}-*.png"):
        old.unlink()
    doc = _document(pdf)
    out = []
    try:
        for number, page in enumerate(doc, start=1):
            image = page.render(scale=60 / 72).to_pil()
            path = outdir / f"{prefix}-{number}.png"
            image.save(path)
            out.append(path)
            page.close()
            if first_page_only:
                break
    finally:
        doc.close()
    return out


def pdf_fonts(pdf: bytes | Path, tmp: Path | None = None) -> list[dict]:
    """The fonts the pages use: name, type, encoding, and emb (embedded), sub (a subset: a
    ``ABCDEF+`` prefix) and uni (a ToUnicode map, so text can be copied) as booleans."""
    import io

    reader = pypdf.PdfReader(io.BytesIO(_bytes(pdf)))
    fonts, seen = [], set()
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        for ref in (resources.get("/Font") or {}).values():
            font = ref.get_object()
            key = getattr(ref, "idnum", id(font))
            if key in seen:
                continue
            seen.add(key)
            descriptor = font.get("/FontDescriptor")
            for descendant in font.get("/DescendantFonts") or []:
                descriptor = descriptor or descendant.get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            name = str(font.get("/BaseFont", "")).lstrip("/")
            fonts.append({"name": name, "type": str(font.get("/Subtype", "")).lstrip("/"),
                          "encoding": str(font.get("/Encoding", "")).lstrip("/"),
                          "emb": any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")),
                          "sub": len(name) > 7 and name[6] == "+" and name[:6].isupper(),
                          "uni": "/ToUnicode" in font})
    return fonts
