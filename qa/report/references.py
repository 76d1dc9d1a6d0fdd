"""Citations as a person reads them: a quotation in quotation marks, then its source in brackets.

A hand-written one: `"…" (annual_report.pdf, p. 4)` or `"…" [notes.docx, line 12]`. The footnotes qa writes use
the same form and add what makes them checkable later, the document's SHA-256 (its first 12 hex digits) and the
quote's character offsets, then the document's title:

    “22,295 people went missing.” (001_peru.txt, lines 19–21; sha256 3f2a9c81d0e4; chars 1234–1301) — Peru report
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.records import Citation

SHORT_SHA = 12  # hex digits of the document's SHA-256 a footnote carries
MARKS = (("\u201c", "\u201d"), ('"', '"'), ("\u00ab", "\u00bb"))  # quotation marks, in the order tried
_QUOTED = re.compile(
    r"(?:“(?P<curly>[^”\n]{1,3000})”|\"(?P<straight>[^\"\n]{1,3000})\"|«(?P<guillemets>[^»\n]{1,3000})»)"
    r"[ \t]*[,.]?[ \t]*(?:\((?P<paren>[^()\n]{3,400})\)|\[(?P<bracket>[^\[\]\n]{3,400})\])"
)
_PAGE = re.compile(r"^(?:p\.?|pp?\.|page)\s*(\d+)$", re.IGNORECASE)
_LINES = re.compile(r"^(?:lines?|ll?\.)\s*(\d+)(?:\s*[-–—]\s*(\d+))?$", re.IGNORECASE)
_ROWS = re.compile(r"^rows?\s*(\d+)(?:\s*[-–—]\s*(\d+))?$", re.IGNORECASE)
_SLIDE = re.compile(r"^slide\s*(\d+)$", re.IGNORECASE)
_SHA = re.compile(r"^sha-?256[:\s]\s*([0-9a-f]{6,64})$", re.IGNORECASE)
_FILE = re.compile(r"\S\.[A-Za-z0-9]{1,8}$")  # a file name: a suffix at the end
_CHARS = re.compile(r"^chars?\s*(\d+)\s*[-–—]\s*(\d+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Place:
    """Where a citation says its quote is: a page (or slide), lines (or a sheet's rows), and character offsets."""

    page: int | None = None
    line_start: int | None = None
    line_end: int | None = None
    sheet: str | None = None
    start: int | None = None
    end: int | None = None

    def to_dict(self) -> dict:
        return {"page": self.page, "line_start": self.line_start, "line_end": self.line_end, "start": self.start,
                "end": self.end}  # fmt: skip


@dataclass(frozen=True)
class Quoted:
    """A citation read from a report: its number, the quote, the source as written, where it says the quote is,
    and the document's SHA-256 prefix when the report recorded one."""

    n: int
    quote: str
    source: str
    place: Place
    sha256: str | None = None
    problem: str | None = None  # why the reference cannot be checked (a broken reference), else None


def location_words(citation: Citation) -> str:
    """The place as a footnote spells it: "p. 4", "slide 3", "Budget, row 5", "line 12" or "lines 12–14"."""
    return citation.location().replace("-", "–")


def reference_text(citation: Citation) -> str:
    """The bracketed source of a footnote: file, place, the document's SHA-256 prefix and the offsets."""
    extras = [f"sha256 {citation.doc_sha256[:SHORT_SHA]}"] if citation.doc_sha256 else []
    extras.append(f"chars {citation.start}–{citation.end}")
    return f"({citation.source}, {location_words(citation)}; {'; '.join(extras)})"


def quoted(text: str) -> str:
    """The text in quotation marks it does not itself hold (“…”, else "…", else «…»), so it reads back whole."""
    for opening, closing in MARKS:
        if opening not in text and closing not in text:
            return f"{opening}{text}{closing}"
    return f"{MARKS[0][0]}{text}{MARKS[0][1]}"


def footnote_text(citation: Citation) -> str:
    """A footnote of a qa report: “quote” (file, place; sha256 …; chars …) — title."""
    quote = " ".join(citation.quote.split())
    title = " ".join(citation.title.split())
    tail = f" — {title}" if title and title != citation.source.rsplit("/", 1)[-1] else ""
    return f"{quoted(quote)} {reference_text(citation)}{tail}"


def _place(parts: list[str]) -> tuple[Place, str | None, str | None]:
    """The place, SHA-256 prefix and any problem of the reference's parts after the file name."""
    fields: dict = {}
    sha, unknown = None, []
    for part in parts:
        if m := _PAGE.match(part) or _SLIDE.match(part):
            fields["page"] = int(m[1])
        elif m := _LINES.match(part) or _ROWS.match(part):
            fields["line_start"], fields["line_end"] = int(m[1]), int(m[2] or m[1])
        elif m := _SHA.match(part):
            sha = m[1].lower()
        elif m := _CHARS.match(part):
            fields["start"], fields["end"] = int(m[1]), int(m[2])
        elif part and "line_start" not in fields and "page" not in fields:
            fields["sheet"] = part  # "Budget, row 5": the sheet comes before its row
        elif part:
            unknown.append(part)
    problem = f"cannot read the place {', '.join(unknown)!r}" if unknown else None
    if "sheet" in fields and "line_start" not in fields:
        problem = problem or f"cannot read the place {fields['sheet']!r}"
        fields.pop("sheet")
    return Place(**fields), sha, problem


def parse_reference(text: str) -> tuple[str, Place, str | None, str | None]:
    """(source, place, SHA-256 prefix, why the place cannot be read) of the text inside a citation's brackets."""
    main, _, extra = text.partition(";")
    pieces = [p.strip() for p in main.split(",")]
    source = pieces[0]
    place, sha, problem = _place([p for p in pieces[1:] if p] + [p.strip() for p in extra.split(";") if p.strip()])
    return source, place, sha, problem


def find_citations(text: str, first: int = 1) -> list[Quoted]:
    """Every quotation followed by a bracketed source in `text`, numbered from `first` in reading order."""
    found = []
    for match in _QUOTED.finditer(text):
        inside = match["paren"] or match["bracket"]
        source, place, sha, problem = parse_reference(inside)
        if not _FILE.search(source):
            continue  # "(see above)", "[sic]": no file named, so not a citation
        quote = match["curly"] or match["straight"] or match["guillemets"]
        found.append(Quoted(first + len(found), quote.strip(), source, place, sha, problem))
    return found
