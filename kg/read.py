"""Read a digest file (plain text, HTML or PDF) into a `Digest`: title, headlines, detail bullets,
publication date.

One reader per format turns the file into lines of text (plus any metadata the format carries);
`read_text` does the rest for all of them. The page layout (title line, labels, bullet marks,
boilerplate) and the series profiles are data in `data/series.toml`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

from kg.dates import find_dates, parse_iso
from kg.errors import InputError, VocabularyError
from kg.model import Bullet, Digest
from kg.resources import resource

TEXT_SUFFIXES = {".txt", ".text", ".md", ""}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
PDF_SUFFIXES = {".pdf"}
FOLDER_SUFFIXES = {".txt", ".html", ".htm", ".pdf"}


# ---------------------------------------------------------------------------------------------
# Series profiles and page layout (data/series.toml)


@dataclass(frozen=True)
class SeriesProfile:
    """When the issues of one series appear (see data/series.toml)."""

    name: str
    slug: str
    first_year: int
    days_between_issues: int
    first_issue_day: int
    uncertainty_days: int
    outlier_gap_days: int

    def estimate(self, volume: str) -> tuple[dt.date, dt.date, dt.date] | None:
        """(earliest, likeliest, latest) publication date of volume "N.M", or None."""
        match = re.fullmatch(r"(\d+)\.(\d+)", volume)
        if not match:
            return None
        year = self.first_year + int(match[1]) - 1
        day = self.first_issue_day + (int(match[2]) - 1) * self.days_between_issues
        if not 1 <= year <= 9999:
            return None
        start = dt.date(year, 1, 1)
        end = dt.date(year, 12, 31)
        likely = min(start + dt.timedelta(days=day - 1), end)
        slack = dt.timedelta(days=self.uncertainty_days)
        # A volume never crosses its year: the series numbers volumes by year.
        return max(likely - slack, start), likely, min(likely + slack, end)


@dataclass(frozen=True)
class PageLayout:
    title: re.Pattern[str]
    headlines_label: re.Pattern[str]
    details_label: re.Pattern[str]
    bullet: re.Pattern[str]
    published: re.Pattern[str]
    boilerplate: re.Pattern[str]
    trailer: re.Pattern[str]
    headline_max_chars: int


@cache
def _series_data() -> tuple[tuple[SeriesProfile, ...], PageLayout]:
    path = resource("data", "series.toml")
    flags = re.IGNORECASE
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
        profiles = tuple(SeriesProfile(**entry) for entry in data["series"])
        page = data["page"]
        layout = PageLayout(
            title=re.compile(page["title"], flags),
            headlines_label=re.compile(page["headlines_label"], flags),
            details_label=re.compile(page["details_label"], flags),
            bullet=re.compile(page["bullet"]),
            published=re.compile(page["published"], flags),
            boilerplate=re.compile("|".join(f"(?:{p})" for p in page["boilerplate"]), flags),
            trailer=re.compile(page["trailer"], flags | re.DOTALL),
            headline_max_chars=int(page["headline_max_chars"]),
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError, re.error) as error:
        raise VocabularyError(f"{path}: cannot read the series profiles and page layout ({error})") from None
    return profiles, layout


def series_profiles() -> tuple[SeriesProfile, ...]:
    """The series profiles in data/series.toml."""
    return _series_data()[0]


def _profile_for(series: str) -> SeriesProfile | None:
    wanted = _slug(series)
    return next((p for p in series_profiles() if p.slug == wanted or _slug(p.name) == wanted), None)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# ---------------------------------------------------------------------------------------------
# Entry points


def iter_sources(paths: Iterable[str | Path]) -> Iterator[Path]:
    """The files named by `paths`, folders expanded: their digest files (.txt, .html, .htm, .pdf),
    sorted, recursively, hidden files and folders skipped. A file named directly is always yielded
    (reading it says what is wrong with it)."""
    for item in paths:
        path = Path(item)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                relative = child.relative_to(path)
                if (
                    child.is_file()
                    and child.suffix.lower() in FOLDER_SUFFIXES
                    and not any(part.startswith(".") for part in relative.parts)
                ):
                    yield child
        elif path.exists():
            yield path
        else:
            raise InputError(path, "no such file or folder")


def read_digest(path: str | Path, *, volume: str | None = None, published: str | None = None) -> Digest:
    """Read one digest file, choosing the reader by suffix and content.

    `volume` and `published` (ISO date) supply what the page does not print, or override it.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "no such file" if not path.exists() else "not a file")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(path, f"cannot be read ({error.strerror})") from None
    if not data.strip():
        raise InputError(path, "file is empty")
    kind = _sniff(path, data)
    created = meta_published = meta_title = None
    if kind == "pdf":
        text, created, meta_title = _pdf_text(path, data)
    elif kind == "html":
        text, meta_published, meta_title = _html_text(_decode(path, data, _declared_charset(data)))
    else:
        text = _decode(path, data)
    try:
        return read_text(
            text,
            path.name,
            volume=volume,
            published=published,
            metadata_published=meta_published,
            metadata_title=meta_title,
            file_created=created,
        )
    except InputError as error:  # name the file as the user gave it, not just its name
        raise InputError(path, error.reason) from None


def _sniff(path: Path, data: bytes) -> str:
    suffix = path.suffix.lower()
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if data.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or (
        suffix in HTML_SUFFIXES and head.startswith(b"<")
    ):
        return "html"
    if suffix in PDF_SUFFIXES:
        raise InputError(path, "has a .pdf name but is not a PDF file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "text"  # UTF-16 with its byte order mark
    if b"\x00" in data[:8192]:
        raise InputError(path, "is a binary file, not a digest (expected .txt, .html or .pdf)")
    if suffix in TEXT_SUFFIXES | HTML_SUFFIXES:
        return "text"
    raise InputError(path, f"unknown format {suffix!r} (expected .txt, .html or .pdf)")


def _decode(path: Path, data: bytes, charset: str | None = None) -> str:
    """The file's text: UTF-8 (with or without BOM), UTF-16 with a BOM, or the charset an HTML
    page declares. Anything else is refused rather than guessed."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif charset and not data.startswith(b"\xef\xbb\xbf"):
        encoding = charset
    else:
        encoding = "utf-8-sig"
    try:
        return data.decode(encoding)
    except LookupError:
        raise InputError(path, f"declares an unknown character set {charset!r}") from None
    except UnicodeDecodeError as error:
        raise InputError(
            path,
            f"is not {'UTF-8' if encoding == 'utf-8-sig' else encoding} text "
            f"(byte {data[error.start]:#04x} at offset {error.start}); save it as UTF-8 and try again",
        ) from None


def _declared_charset(data: bytes) -> str | None:
    match = re.search(rb"<meta[^>]+charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", data[:4096], re.IGNORECASE)
    return match[1].decode("ascii").lower() if match else None


# ---------------------------------------------------------------------------------------------
# HTML


class _HTMLDigest(HTMLParser):
    """Collects a page as lines: headings and paragraphs as lines, list items as bullets, a list's
    end as a blank line. Menus, footers and scripts are skipped; when the page marks its content
    (`<article>` or `<main>`), only that is kept."""

    BLOCKS = frozenset(
        {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "br", "tr", "section"}
        | {"article", "header", "title", "blockquote", "table", "main", "figure", "figcaption", "dd", "dt"}
    )
    SKIP = frozenset({"script", "style", "noscript", "template", "svg", "nav", "footer", "aside", "form"})
    CONTENT = frozenset({"article", "main"})
    DATE_META = frozenset({"article:published_time", "date", "dc.date", "dcterms.issued", "datepublished"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.content_lines: list[str] = []
        self.current: list[str] = []
        self.skipping = 0
        self.in_content = 0
        self.in_title = False
        self.title_parts: list[str] = []
        self.published: str | None = None
        self.time_published: str | None = None

    def _emit(self, line: str) -> None:
        self.lines.append(line)
        if self.in_content:
            self.content_lines.append(line)

    def flush(self) -> None:
        line = " ".join("".join(self.current).split())
        if line == "•":
            return  # a list item whose words sit in a nested block: keep the mark for them
        if line:
            self._emit(line)
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): (value or "") for name, value in attrs}
        if tag == "meta":
            key = (values.get("property") or values.get("name") or values.get("itemprop") or "").lower()
            if key in self.DATE_META and values.get("content"):
                self.published = self.published or values["content"]
            return
        if tag in self.SKIP:
            self.skipping += 1
            return
        if self.skipping:
            return
        if tag == "time" and values.get("datetime"):
            self.time_published = self.time_published or values["datetime"]
        if tag == "title":
            self.in_title = True
        if tag in self.BLOCKS:
            self.flush()
        if tag in self.CONTENT:
            self.in_content += 1
        if tag == "li":
            self.current.append("• ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
            return
        if self.skipping:
            return
        if tag == "title":
            self.in_title = False
        if tag in self.BLOCKS:
            self.flush()
            if tag in {"ul", "ol"}:
                self._emit("")  # a list ends a group of bullets
                self._emit("")
        if tag in self.CONTENT:
            self.in_content = max(0, self.in_content - 1)

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if self.in_title:
            self.title_parts.append(data)
            return
        self.current.append(data)


def _html_text(html: str) -> tuple[str, str | None, str | None]:
    parser = _HTMLDigest()
    parser.feed(html)
    parser.close()
    parser.flush()
    title = " ".join("".join(parser.title_parts).split()) or None
    lines = parser.content_lines if any(parser.content_lines) else parser.lines
    return "\n".join(lines), parser.published or parser.time_published, title


# ---------------------------------------------------------------------------------------------
# PDF


def _pdf_text(path: Path, data: bytes) -> tuple[str, str | None, str | None]:
    import io
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    # pypdf logs what it repairs on stderr; a file it cannot read gets our one-line error instead
    logging.getLogger("pypdf").setLevel(logging.ERROR + 10)
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
    except (PdfReadError, ValueError, KeyError, OSError) as error:
        raise InputError(path, f"is not a readable PDF ({error})") from None
    text = "\n".join(pages)
    if not text.strip():
        raise InputError(path, "PDF has no text layer (scanned?); run it through OCR first")
    title = (info.title if info else None) or None
    # The creation date of a PDF is when someone saved it, often long after the issue appeared:
    # it is only a hint, used when it falls inside the series profile's window (see _published).
    created = None
    if info is not None:
        try:
            created_at = info.creation_date
        except (ValueError, TypeError):
            created_at = None
        if created_at is not None:
            created = created_at.date().isoformat()
    return text, created, title and str(title)


# ---------------------------------------------------------------------------------------------
# The page, whatever format it came in


def read_text(
    text: str,
    source: str,
    *,
    volume: str | None = None,
    published: str | None = None,
    metadata_published: str | None = None,
    metadata_title: str | None = None,
    file_created: str | None = None,
) -> Digest:
    """Make a `Digest` from a page's text. `source` is the file name (it may carry the volume).

    `metadata_published` is a publication date the file declares (HTML meta, `<time>`);
    `metadata_title` the file's title, used when no title line is found; `file_created` when the
    file was made (PDF creation date), trusted only where it is plausible (see `_published`).
    """
    _, layout = _series_data()
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    page = _parse_page(text.split("\n"), layout)
    warnings: list[str] = []

    series, printed_volume = page.series, page.volume
    if series is None and metadata_title:
        match = layout.title.match(metadata_title.strip())
        if match:
            series, printed_volume = _clean_series(match["series"]), match["volume"]
    file_series, file_volume = _from_file_name(source)
    if volume is not None:
        volume = re.sub(r"^vol(?:ume)?\.?\s*", "", volume.strip(), flags=re.IGNORECASE)
        if not re.fullmatch(r"\d+(?:\.\d+)*", volume):
            raise InputError(source, f"volume {volume!r} is not a number like 1.17")
        if printed_volume and printed_volume != volume:
            warnings.append(f"the page says Vol {printed_volume}; read as Vol {volume} as asked")
    volume = volume or printed_volume or file_volume
    series = series or file_series or _series_named_in(text)
    if volume is None:
        raise InputError(source, "no volume in the title line or the file name; give it with --volume")
    if series is None:
        raise InputError(source, "cannot tell which digest series this is (no title line)")

    headlines, details = _split(page, layout, source)
    bullets = _pair(headlines, details, warnings)

    value, origin = _published(
        source,
        series,
        volume,
        bullets,
        option=published,
        metadata=metadata_published,
        printed=page.published,
        created=file_created,
        warnings=warnings,
    )
    return Digest(
        source=source,
        series=series,
        volume=volume,
        published=value,
        published_from=origin,
        bullets=bullets,
        warnings=warnings,
    )


@dataclass
class _Page:
    series: str | None
    volume: str | None
    published: str | None
    # Bullets as (text, group, label): group counts runs separated by non-bullet lines or blank
    # lines; label is "headlines", "details" or None (from the nearest label line above).
    bullets: list[tuple[str, int, str | None]]
    labelled: bool


def _parse_page(lines: list[str], layout: PageLayout) -> _Page:
    series = volume = published = None
    bullets: list[tuple[str, int, str | None]] = []
    label: str | None = None
    labelled = False
    group = 0
    blank_run = 0
    last_was_bullet = False
    # Text wrapped to a width (PDF text layers) fills its lines: a line well short of the width
    # ends a paragraph, so the line after it starts a new one even without a blank line between.
    widths = sorted(len(raw.strip()) for raw in lines if raw.strip())
    full_width = 0.75 * widths[int(0.9 * (len(widths) - 1))] if widths else 0
    last_length = 0
    for raw in lines:
        line = " ".join(raw.split())
        previous_length, last_length = last_length, len(line)
        if not line:
            blank_run += 1
            last_was_bullet = False
            continue
        gap, blank_run = blank_run, 0
        bullet = layout.bullet.match(line)
        if bullet and not layout.boilerplate.search(bullet["text"]):
            # Blog pages put one blank line between bullets and several between the lists.
            if gap >= 2 or not bullets or (not last_was_bullet and gap == 0):
                group += 1
            bullets.append((bullet["text"], group, label))
            last_was_bullet = True
            continue
        if layout.boilerplate.search(line):
            last_was_bullet = False
            group += 1
            continue
        title = layout.title.match(line)
        if title:
            if series is None:
                series, volume = _clean_series(title["series"]), title["volume"]
            last_was_bullet = False
            continue
        if layout.headlines_label.match(line):
            label, labelled = "headlines", True
            group += 1
            last_was_bullet = False
            continue
        if layout.details_label.match(line):
            label, labelled = "details", True
            group += 1
            last_was_bullet = False
            continue
        printed = layout.published.match(line)
        if printed and published is None:
            published = printed["date"].strip()
            continue
        if last_was_bullet and gap == 0 and previous_length >= full_width:
            # A bullet wrapped over several lines; a line break after a hyphen keeps the compound.
            text, bullet_group, bullet_label = bullets[-1]
            joined = f"{text}{line}" if text.endswith(("-", "–", "/")) else f"{text} {line}"
            bullets[-1] = (joined, bullet_group, bullet_label)
            continue
        last_was_bullet = False
        group += 1
    bullets = [(layout.trailer.sub("", text), g, label) for text, g, label in bullets]
    return _Page(series, volume, published, [b for b in bullets if b[0]], labelled)


def _clean_series(name: str) -> str:
    return " ".join(name.split()).strip(" -–—")


def _from_file_name(source: str) -> tuple[str | None, str | None]:
    """Series and volume from names like `us-japan-alliance-digest-vol-2.11.txt`, `vol-1.9-blog.txt`."""
    stem = re.sub(r"\.[A-Za-z]{2,5}$", "", Path(source).name)  # "vol-2.11" has no suffix to drop
    match = re.search(r"(?:^|[-_ ])vol(?:ume)?[-_ .]?(\d+\.\d+)(?=$|[-_ ])", stem, re.IGNORECASE)
    if not match:
        return None, None
    prefix = stem[: match.start()]
    profile = _profile_for(prefix) if prefix else None
    return (profile.name if profile else None), match[1]


def _series_named_in(text: str) -> str | None:
    lowered = text.lower()
    return next((p.name for p in series_profiles() if p.name.lower() in lowered), None)


def _split(page: _Page, layout: PageLayout, source: str) -> tuple[list[str], list[str]]:
    """Headline bullets and detail bullets."""
    if not page.bullets:
        raise InputError(source, "no bullets found: not a digest page (expected headline and detail bullets)")
    if page.labelled and any(label == "details" for _, _, label in page.bullets):
        # Everything above the details label is a headline, labelled as such or not.
        headlines = [text for text, _, label in page.bullets if label != "details"]
        details = [text for text, _, label in page.bullets if label == "details"]
        return headlines, details
    # Unlabelled: the headlines are the opening group of bullets when blank lines (or other
    # lines) set it apart and it is all headline-like; otherwise the opening run of headline-like
    # bullets. The details are the bullets after them.
    def headline_like(text: str) -> bool:
        return len(text) <= layout.headline_max_chars and not (
            text.rstrip("”’\"') ").endswith((".", "!", "?")) and len(text.split()) >= 12
        )

    first_group = [text for text, group, _ in page.bullets if group == page.bullets[0][1]]
    if 1 < len(first_group) < len(page.bullets) and all(headline_like(t) for t in first_group):
        headlines = first_group
    else:
        headlines = []
        for text, _, _ in page.bullets:
            if not headline_like(text):
                break
            headlines.append(text)
    details = [text for text, _, _ in page.bullets[len(headlines) :]]
    if not details:
        raise InputError(source, f"has {len(headlines)} headline bullets but no detail bullets")
    return headlines, details


def _pair(headlines: list[str], details: list[str], warnings: list[str]) -> list[Bullet]:
    """The n-th headline announces the n-th detail bullet. With more headlines the page was cut
    short and the order still holds; with fewer, a headline is kept only where shared words
    confirm the pair."""
    if len(headlines) == len(details):
        return [Bullet(i + 1, h, d) for i, (h, d) in enumerate(zip(headlines, details, strict=True))]
    if len(headlines) > len(details):
        # A page cut short after its first detail bullets: those still follow the headlines' order.
        warnings.append(
            f"{len(headlines)} headlines but {len(details)} detail bullets (page cut short?); "
            f"headlines {len(details) + 1}-{len(headlines)} announce bullets that are missing"
        )
        return [Bullet(i + 1, h, d) for i, (h, d) in enumerate(zip(headlines, details, strict=False))]
    warnings.append(
        f"{len(headlines)} headlines but {len(details)} detail bullets; "
        "headlines paired only where their words match"
    )
    chosen = _align(headlines, details)
    return [Bullet(i + 1, chosen.get(i), d) for i, d in enumerate(details)]


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9][a-z0-9+&]*", text.lower()) if len(w) > 2 or w[0].isdigit()}


def _align(headlines: list[str], details: list[str]) -> dict[int, str]:
    """Order-keeping pairing of headlines with details that maximizes the shared words, each
    weighted by how few details use it ("Japan" says nothing, "Micronesia" a lot); only pairs
    sharing a telling word are kept."""
    detail_words = [_words(d) for d in details]
    weight = {
        word: math.log(len(details) / sum(word in words for words in detail_words))
        for words in detail_words
        for word in words
    }
    scores = [[sum(weight[w] for w in _words(h) & words) for words in detail_words] for h in headlines]
    rows, cols = len(headlines), len(details)
    best = [[0.0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(rows - 1, -1, -1):
        for j in range(cols - 1, -1, -1):
            best[i][j] = max(best[i + 1][j], best[i][j + 1], best[i + 1][j + 1] + scores[i][j])
    chosen: dict[int, str] = {}
    i = j = 0
    while i < rows and j < cols:
        if scores[i][j] > 0 and best[i][j] == best[i + 1][j + 1] + scores[i][j]:
            chosen[j] = headlines[i]
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    return chosen


# ---------------------------------------------------------------------------------------------
# Publication date


def _published(
    source: str,
    series: str,
    volume: str,
    bullets: list[Bullet],
    *,
    option: str | None,
    metadata: str | None,
    printed: str | None,
    created: str | None,
    warnings: list[str],
) -> tuple[str, str]:
    """(ISO date, where it came from), in this order: the option; a date the page prints
    (`published:` line) or declares (HTML meta); the series profile, checked against the dates
    in the text; the dates in the text. Never the copyright year.

    A PDF's creation date is when someone saved the file, often long after the issue appeared:
    it is used only when it is plausible, inside the profile's window for the volume (or, without
    a profile, within two months after the latest date the text writes out), or when nothing
    else dates the issue.
    """
    if option is not None:
        value = parse_iso(option)
        if value is None:
            raise InputError(source, f"--published {option!r} is not a date like 2022-09-14, 2022-09 or 2022")
        return value, "option"
    for candidate in (printed, metadata):
        value = parse_iso(candidate) if candidate else None
        if value is not None:
            return value, "metadata"
        if candidate:
            warnings.append(f"ignored publication date {candidate!r}: not a date")
    created = parse_iso(created) if created else None
    profile = _profile_for(series)
    window = profile.estimate(volume) if profile else None
    if window is not None:
        if created is not None and _within(created, window):
            return created, "metadata"
        if created is not None:
            warnings.append(f"ignored the PDF creation date {created}: not when Vol {volume} appeared")
        return _from_profile(profile, volume, bullets, warnings), "profile"
    from_text = _from_text(bullets)
    if created is not None and (from_text is None or _soon_after(created, from_text)):
        if from_text is None:
            warnings.append(f"publication date {created} is the PDF's creation date: nothing else dates it")
        return created, "metadata"
    if from_text is not None:
        warnings.append(f"publication date {from_text} inferred from the latest date in the text")
        return from_text, "text"
    raise InputError(
        source, "cannot tell when this digest was published (no date on the page); give it with --published"
    )


def _soon_after(created: str, latest: str) -> bool:
    """Is the creation date on or within two months after the latest month the text dates?"""
    day = dt.date.fromisoformat(created if len(created) == 10 else (created + "-01-01")[:10])
    first = dt.date.fromisoformat(latest + "-01")
    return first <= day <= first + dt.timedelta(days=92)


def _within(value: str, window: tuple[dt.date, dt.date, dt.date]) -> bool:
    day = dt.date.fromisoformat((value + "-01-01")[:10] if len(value) < 10 else value)
    if len(value) == 4:
        return window[0].year <= day.year <= window[2].year
    return window[0] <= day <= window[2]


def _from_profile(profile: SeriesProfile, volume: str, bullets: list[Bullet], warnings: list[str]) -> str:
    """The month of the latest event the text dates (an issue appears on or after the latest
    event it reports); the profile gives the year and the window that event must fall in.
    Without a dated event, the profile's estimate."""
    earliest, likely, latest = profile.estimate(volume)
    days = sorted(
        day
        for bullet in bullets
        for ref in find_dates(bullet.text, latest.isoformat(), include_future=False)
        if len(ref.value) == 10 and (day := dt.date.fromisoformat(ref.value)) <= latest
    )
    # A digest reports the last two weeks densely: a lone day far after all the others is an
    # older date read into the wrong year ("February 24" in a January issue), not the latest news.
    gap = dt.timedelta(days=profile.outlier_gap_days)
    while len(days) >= 2 and days[-1] - days[-2] > gap:
        days.pop()
    if not days:
        return f"{likely.year}-{likely.month:02d}"
    last = days[-1]
    if last < earliest - dt.timedelta(days=31):
        warnings.append(
            f"the latest dated event ({last.isoformat()}) is long before Vol {volume} was due "
            f"({earliest.isoformat()} to {latest.isoformat()}); publication month estimated from the series"
        )
        return f"{likely.year}-{likely.month:02d}"
    # A volume belongs to its year: an event of late December reported in issue 1 means January.
    last = max(last, dt.date(earliest.year, 1, 1))
    return f"{last.year}-{last.month:02d}"


def _from_text(bullets: list[Bullet]) -> str | None:
    """Without a series profile: the month of the latest past day or month the text writes out
    with its year ("March 3, 2021", "July 2019"). Bare years are too often targets or background
    ("by 2030", "since 1985") to date an issue by."""
    # Resolved against a far-off year, dates written without a year stand out and are dropped.
    far = "9999"
    written = [
        ref.value[:7]
        for bullet in bullets
        for ref in find_dates(bullet.text, far, include_future=False)
        if len(ref.value) >= 7 and not ref.value.startswith("999")
    ]
    return max(written) if written else None
