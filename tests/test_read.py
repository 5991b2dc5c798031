"""Reading digests: page shapes, formats, publication dates and bad input."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.read import iter_sources, read_digest, read_text

SERIES = "US-Japan Alliance Digest"

HEADLINES = [
    "Allied envoys meet in Tokyo on North Korea",
    "Defense chiefs hold talks in Washington",
    "Okinawa re-elects its governor",
]
DETAILS = [
    "A trilateral meeting in Tokyo of the allies' North Korea envoys on September 7 agreed to "
    "deepen security cooperation. Two days later Pyongyang passed a law on nuclear use.",
    "Defense Minister Hamada visited Washington on September 14 and met Defense Secretary Austin "
    "to discuss how to modernize the alliance, their first meeting since Hamada took office in August.",
    "Denny Tamaki won a second term as Governor of Okinawa on September 11, with a margin slightly "
    "narrower than in his first election in 2018.",
]


def web_page(marker: str = "  •") -> str:
    """A digest as saved from the series' web page (title, download links, image credit, footer)."""
    head = "\n".join(f"{marker} {h}" for h in HEADLINES)
    body = "\n".join(f"{marker} {d}" for d in DETAILS)
    return (
        f"{SERIES} Vol 1.17\n\nDownload this publication (PDF)\n\nPublications {SERIES} Vol 1.17\n\n"
        f"Download {SERIES} Vol 1.17\n\n\nImage Source: dvids\n{head}\n\n\n{body}\n\n"
        f"“{SERIES}” is a bi-weekly summary of bilateral developments compiled by Sasakawa USA. "
        "To receive the “Alliance Digest” by email, contact us.\n\n"
        f"Download {SERIES} Vol 1.17\n\n2024 Sasakawa USA | Privacy Policy | Sitemap\n\n"
        "Custom WordPress Design, Development & Digital Marketing by time4design\n"
    )


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def assert_paired(digest) -> None:
    assert [b.headline for b in digest.bullets] == HEADLINES
    assert [b.text for b in digest.bullets] == DETAILS
    assert [b.position for b in digest.bullets] == [1, 2, 3]


# --- plain text page shapes ----------------------------------------------------------------------


def test_web_page_shape_gives_title_headlines_details_and_drops_boilerplate(tmp_path):
    digest = read_digest(write(tmp_path, "issue.txt", web_page()))
    assert (digest.series, digest.volume, digest.title) == (SERIES, "1.17", f"{SERIES} Vol 1.17")
    assert digest.source == "issue.txt"
    assert_paired(digest)
    assert digest.warnings == []
    # Volume 1.17 appears in 2022; the latest event reported is September 14.
    assert (digest.published, digest.published_from) == ("2022-09", "profile")


def test_bom_and_crlf_read_the_same_as_plain_utf8(tmp_path):
    plain = read_digest(write(tmp_path, "a.txt", web_page()))
    crlf = b"\xef\xbb\xbf" + web_page().replace("\n", "\r\n").encode()
    windows = read_digest(write(tmp_path, "b.txt", crlf))
    assert windows.bullets == plain.bullets
    assert (windows.volume, windows.published) == (plain.volume, plain.published)


@pytest.mark.parametrize("marker", ["•", "●", "▪", "-", "*", "  •"])
def test_every_bullet_mark_is_read(tmp_path, marker):
    assert_paired(read_digest(write(tmp_path, "issue.txt", web_page(marker))))


def test_numbered_bullets(tmp_path):
    head = "\n".join(f"{i}. {h}" for i, h in enumerate(HEADLINES, 1))
    body = "\n".join(f"{i}) {d}" for i, d in enumerate(DETAILS, 1))
    path = write(tmp_path, "us-japan-alliance-digest-vol-1.17.txt", f"{head}\n\n{body}\n")
    assert_paired(read_digest(path))


@pytest.mark.parametrize(
    ("headlines_label", "details_label"),
    [("Headlines", "Details"), ("Headlines:", "Details:"), ("Happy New Year Headlines:", "Details:")],
)
def test_labelled_shape_without_title_takes_volume_from_file_name(tmp_path, headlines_label, details_label):
    text = (
        f"{headlines_label}\n" + "\n".join(f"- {h}" for h in HEADLINES)
        + f"\n{details_label}\n" + "\n".join(f"- {d}" for d in DETAILS) + "\n"
    )
    digest = read_digest(write(tmp_path, "us-japan-alliance-digest-vol-1.17.txt", text))
    assert (digest.series, digest.volume) == (SERIES, "1.17")
    assert_paired(digest)


def test_details_label_alone_makes_the_bullets_above_it_headlines(tmp_path):
    text = "\n".join(f"- {h}" for h in HEADLINES) + "\nDetails\n" + "\n".join(f"- {d}" for d in DETAILS)
    assert_paired(read_digest(write(tmp_path, "us-japan-alliance-digest-vol-1.17.txt", text)))


def test_labels_decide_even_when_a_detail_is_short(tmp_path):
    text = "Headlines:\n- First item\n- Second item\nDetails:\n- Short detail on July 5.\n- Another one.\n"
    digest = read_digest(write(tmp_path, "us-japan-alliance-digest-vol-1.14.txt", text))
    assert [(b.headline, b.text) for b in digest.bullets] == [
        ("First item", "Short detail on July 5."),
        ("Second item", "Another one."),
    ]


def test_summit_headlines_label_and_no_details_label(tmp_path):
    label = "Biden-Kishida Summit Headlines:\n\nImage Source: Reuters\n\n"
    text = web_page().replace("Image Source: dvids\n", label)
    assert_paired(read_digest(write(tmp_path, "issue.txt", text)))


def test_blog_listing_shape(tmp_path):
    head = "\n\n".join(f"● {h}" for h in HEADLINES)
    body = "\n\n".join(f"● {d}" for d in DETAILS)
    text = (
        "Sasakawa USA Blog\n\nNews, events, commentary and media from Sasakawa USA on the U.S.-Japan "
        f"relationship.\n\n{SERIES} -Vol 1.17-\n\n\n\nTo download as a PDF, please click here.\n\n\n\n\n"
        f"Image Source: The Jiji Press Ltd\n\n{head}\n\n\n\n\n{body}\n"
    )
    digest = read_digest(write(tmp_path, "us-japan-alliance-digest-vol-1.17-blog.txt", text))
    assert (digest.series, digest.volume) == (SERIES, "1.17")
    assert_paired(digest)


def test_more_headlines_than_details_warns_and_keeps_the_certain_pairs(tmp_path):
    cut = web_page().replace(f"  • {DETAILS[2]}\n", "")
    digest = read_digest(write(tmp_path, "issue.txt", cut))
    assert [b.headline for b in digest.bullets] == HEADLINES[:2]
    assert [b.text for b in digest.bullets] == DETAILS[:2]
    assert any("3 headlines but 2 detail bullets" in w for w in digest.warnings)


def test_fewer_headlines_than_details_leaves_unknown_headlines_empty(tmp_path):
    page = web_page().replace(f"  • {HEADLINES[1]}\n", "")
    digest = read_digest(write(tmp_path, "issue.txt", page))
    assert [b.headline for b in digest.bullets] == [HEADLINES[0], None, HEADLINES[2]]
    assert [b.text for b in digest.bullets] == DETAILS
    assert digest.warnings


def test_details_only_page_has_no_headlines(tmp_path):
    text = f"{SERIES} Vol 1.17\n\n" + "\n".join(f"• {d}" for d in DETAILS) + "\n"
    digest = read_digest(write(tmp_path, "issue.txt", text))
    assert [b.headline for b in digest.bullets] == [None, None, None]
    assert [b.text for b in digest.bullets] == DETAILS


def test_read_text_works_on_a_string():
    digest = read_text(web_page(), "pasted.txt")
    assert digest.source == "pasted.txt"
    assert_paired(digest)


# --- volume and publication date -----------------------------------------------------------------


def test_volume_option_supplies_a_missing_volume(tmp_path):
    text = "\n".join(f"- {h}" for h in HEADLINES) + "\n\n" + "\n".join(f"- {d}" for d in DETAILS)
    text += f"\n\n“{SERIES}” is a bi-weekly summary.\n"
    path = write(tmp_path, "digest.txt", text)
    with pytest.raises(InputError, match=r"digest\.txt.*--volume"):
        read_digest(path)
    digest = read_digest(path, volume="1.17")
    assert (digest.series, digest.volume, digest.published) == (SERIES, "1.17", "2022-09")


def test_volume_option_overrides_the_title_with_a_warning(tmp_path):
    digest = read_digest(write(tmp_path, "issue.txt", web_page()), volume="Vol 1.18")
    assert digest.volume == "1.18"
    assert any("the page says Vol 1.17" in w for w in digest.warnings)
    with pytest.raises(InputError, match=r"issue\.txt.*volume 'first'"):
        read_digest(write(tmp_path, "issue.txt", web_page()), volume="first")


def test_published_option_wins_and_is_checked(tmp_path):
    path = write(tmp_path, "issue.txt", web_page())
    digest = read_digest(path, published="2022-09-16")
    assert (digest.published, digest.published_from) == ("2022-09-16", "option")
    with pytest.raises(InputError, match=r"issue\.txt.*not a date"):
        read_digest(path, published="mid September")


def test_published_line_in_the_text_is_metadata(tmp_path):
    page = web_page().replace("Image Source: dvids\n", "Published: September 16, 2022\nImage Source: dvids\n")
    digest = read_digest(write(tmp_path, "issue.txt", page))
    assert (digest.published, digest.published_from) == ("2022-09-16", "metadata")
    assert_paired(digest)


def test_profile_month_comes_from_the_latest_event_not_a_future_one(tmp_path):
    details = [*DETAILS[:2], DETAILS[2] + " Tamaki will visit Washington on October 20."]
    page = web_page().replace(DETAILS[2], details[2])
    digest = read_digest(write(tmp_path, "issue.txt", page))
    assert digest.published == "2022-09"


def test_an_older_yearless_date_does_not_make_a_later_publication_month(tmp_path):
    details = [
        "President Biden welcomed PM Kishida to the White House on January 13 for a summit.",
        "Sanctions on Russia have tightened since the invasion of Ukraine on February 24.",
        "The ministers met in Washington on January 11 and agreed on a long to-do list.",
    ]
    text = "Headlines:\n- Summit\n- Sanctions\n- Ministers\nDetails:\n" + "\n".join(f"- {d}" for d in details)
    digest = read_digest(write(tmp_path, "us-japan-alliance-digest-vol-2.1.txt", text))
    assert (digest.published, digest.published_from) == ("2023-01", "profile")


def test_the_copyright_year_is_never_the_publication_year(tmp_path):
    text = (
        "Tokyo Policy Notes Vol 4.2\n\n- Allies meet\n\n- The allies met again to discuss supply chains "
        "and export controls at length, with no date given anywhere in this long bullet text at all.\n\n"
        "2024 Sasakawa USA | Privacy Policy | Sitemap\n"
    )
    path = write(tmp_path, "notes.txt", text)
    with pytest.raises(InputError, match=r"notes\.txt.*--published"):
        read_digest(path)
    assert read_digest(path, published="2021-05").published == "2021-05"


def test_unknown_series_dated_from_its_text(tmp_path):
    text = (
        "Tokyo Policy Notes Vol 4.2\n\n- Allies meet\n\n- The allies met on March 3, 2021 to discuss supply "
        "chains, and agreed to meet again in 2025 when the new plan will be reviewed by both sides.\n"
    )
    digest = read_digest(write(tmp_path, "notes.txt", text))
    assert (digest.series, digest.volume, digest.published, digest.published_from) == (
        "Tokyo Policy Notes", "4.2", "2021-03", "text")


# --- HTML and PDF --------------------------------------------------------------------------------


def html_page(meta: str = "") -> str:
    items = "".join(f"<li>{h}</li>" for h in HEADLINES)
    details = "".join(f"<li><p>{d.replace('&', '&amp;')}</p></li>" for d in DETAILS)
    return (
        f"<!DOCTYPE html><html><head><title>{SERIES} Vol 1.17 | Sasakawa USA</title>{meta}"
        "<script>var x = '<li>not a bullet</li>';</script></head><body>"
        "<nav><ul><li>Home</li><li>Publications</li><li>Events</li></ul></nav>"
        f"<article><h1>{SERIES} Vol 1.17</h1><p><a href='x.pdf'>Download this publication (PDF)</a></p>"
        f"<ul>{items}</ul><ul>{details}</ul></article>"
        "<footer><p>2024 Sasakawa USA | Privacy Policy</p></footer></body></html>"
    )


def test_html_page(tmp_path):
    digest = read_digest(write(tmp_path, "issue.html", html_page()))
    assert (digest.series, digest.volume) == (SERIES, "1.17")
    assert_paired(digest)
    assert digest.published == "2022-09"


@pytest.mark.parametrize(
    "meta",
    [
        '<meta property="article:published_time" content="2022-09-16T09:00:00+00:00">',
        '<meta name="date" content="2022-09-16">',
    ],
)
def test_html_publication_date_from_meta(tmp_path, meta):
    digest = read_digest(write(tmp_path, "issue.htm", html_page(meta)))
    assert (digest.published, digest.published_from) == ("2022-09-16", "metadata")


def test_html_in_a_declared_legacy_charset(tmp_path):
    page = html_page('<meta charset="windows-1252">').replace("Okinawa re-elects", "Okinawa ré-elects")
    digest = read_digest(write(tmp_path, "issue.html", page.encode("cp1252")))
    assert digest.bullets[2].headline == "Okinawa ré-elects its governor"


def test_utf16_text_with_byte_order_mark(tmp_path):
    digest = read_digest(write(tmp_path, "issue.txt", web_page().encode("utf-16")))
    assert_paired(digest)


def test_html_time_element_and_content_sniffing(tmp_path):
    page = html_page().replace("<h1>", '<time datetime="2022-09-15">Sep 15</time><h1>')
    digest = read_digest(write(tmp_path, "issue.txt", page))  # an HTML file saved as .txt
    assert (digest.published, digest.published_from) == ("2022-09-15", "metadata")
    assert_paired(digest)


def pdf_bytes(lines: list[str], *, created=None) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    if created is not None:
        pdf.set_creation_date(created)
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for line in lines:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def ascii_lines() -> list[str]:
    """The test digest in the characters a core PDF font has ("-" bullets), its self-description
    running on from the last bullet as PDF text layers have it."""
    return [
        f"{SERIES} Vol 1.17", "", *[f"- {h}" for h in HEADLINES], "", "", *[f"- {d}" for d in DETAILS],
        f'"{SERIES}" is a bi-weekly summary of bilateral developments compiled by Sasakawa USA. '
        "To receive it by email, contact us.",
    ]


def test_pdf_with_wrapped_bullets(tmp_path):
    digest = read_digest(write(tmp_path, "issue.pdf", pdf_bytes(ascii_lines())))
    assert (digest.series, digest.volume) == (SERIES, "1.17")
    assert_paired(digest)
    # fpdf2 stamps the time of writing as creation date: far from when Vol 1.17 appeared.
    assert (digest.published, digest.published_from) == ("2022-09", "profile")
    assert any("ignored the PDF creation date" in w for w in digest.warnings)


def test_pdf_creation_date_inside_the_expected_window_is_used(tmp_path):
    import datetime as dt

    created = dt.datetime(2022, 9, 16, 10, 0, tzinfo=dt.UTC)
    digest = read_digest(write(tmp_path, "issue.pdf", pdf_bytes(ascii_lines(), created=created)))
    assert (digest.published, digest.published_from) == ("2022-09-16", "metadata")


def test_pdf_of_an_unknown_series_dated_by_a_plausible_creation_date(tmp_path):
    import datetime as dt

    lines = ["Tokyo Policy Notes Vol 4.2", "", "- Allies meet", "",
             "- The allies met on March 3, 2021 to discuss supply chains and export controls at length."]
    created = dt.datetime(2021, 3, 20, tzinfo=dt.UTC)
    digest = read_digest(write(tmp_path, "notes.pdf", pdf_bytes(lines, created=created)))
    assert (digest.published, digest.published_from) == ("2021-03-20", "metadata")
    years_later = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    late = read_digest(write(tmp_path, "late.pdf", pdf_bytes(lines, created=years_later)))
    assert (late.published, late.published_from) == ("2021-03", "text")


def test_pdf_without_text_layer(tmp_path):
    from fpdf import FPDF
    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (200, 100), "white").save(picture, format="PNG")
    pdf = FPDF()
    pdf.add_page()
    pdf.image(picture, x=10, y=10, w=100)
    path = write(tmp_path, "scan.pdf", bytes(pdf.output()))
    with pytest.raises(InputError, match=r"scan\.pdf.*no text layer \(scanned\?\)"):
        read_digest(path)


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\r\n ", "empty"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        ("latin1.txt", f"{SERIES} Vol 1.17\n- Caf\xe9 talks\n".encode("latin-1"), "not UTF-8"),
        ("prose.txt", b"US-Japan Alliance Digest Vol 1.17\n\nJust a paragraph of text.\n", "no bullets"),
        ("notes.docx", b"PK\x03\x04 some zipped document", "unknown format"),
        ("broken.pdf", b"%PDF-1.7\nthis is not really a pdf", "not a readable PDF"),
        ("fake.pdf", b"plain text with a pdf name", "not a PDF"),
    ],
)
def test_bad_input_names_the_file_and_the_problem(tmp_path, name, content, problem):
    path = write(tmp_path, name, content)
    with pytest.raises(InputError) as caught:
        read_digest(path)
    assert name in str(caught.value)
    assert problem in str(caught.value)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match=r"nowhere\.txt: no such file"):
        read_digest(tmp_path / "nowhere.txt")


def test_headlines_without_details_is_an_error(tmp_path):
    text = f"{SERIES} Vol 1.17\n" + "\n".join(f"• {h}" for h in HEADLINES) + "\n"
    with pytest.raises(InputError, match=r"issue\.txt.*3 headline bullets but no detail bullets"):
        read_digest(write(tmp_path, "issue.txt", text))


# --- folders -------------------------------------------------------------------------------------


def test_iter_sources_expands_folders_sorted_skipping_hidden_and_other_files(tmp_path):
    for name in ["b.txt", "a.html", "sub/c.pdf", ".hidden.txt", ".git/d.txt", "notes.json"]:
        path = tmp_path / "digests" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    single = write(tmp_path, "single.md", "x")
    found = [p.relative_to(tmp_path).as_posix() for p in iter_sources([tmp_path / "digests", single])]
    assert found == ["digests/a.html", "digests/b.txt", "digests/sub/c.pdf", "single.md"]
    with pytest.raises(InputError, match="no such file or folder"):
        list(iter_sources([tmp_path / "missing"]))
