"""Network pages: what they contain, and how they behave in headless Chromium loaded from
file:// with no network (no console errors, the right node count, search, filters, a click
highlighting the neighbourhood, labels staying text, a screenshot that is not blank)."""

from __future__ import annotations

import io
import json
import re

import pytest
from browser import Browser
from click.testing import CliRunner
from PIL import Image
from selection_fixture import XSS, make_store

from kg import render
from kg.cli import cli
from kg.errors import SelectionError
from kg.export import to_networkx
from kg.iri import mint
from kg.select import Criteria, select

SERIES = "US-Japan Alliance Digest"


@pytest.fixture(scope="module")
def store():
    return make_store()


@pytest.fixture(scope="module")
def japan(store):
    return select(store, countries=["Japan"])


def page_data(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', page, re.S)
    return json.loads(match.group(1))


def node(data: dict, iri: str) -> dict:
    return next(n for n in data["nodes"] if n["id"] == iri)


# --- the page as written -----------------------------------------------------------------------


def test_a_page_is_self_contained_with_no_links_out(japan):
    page = render.selection_page(japan)
    assert "vis.Network" in page and "vis-network" in page  # the library is inlined
    assert not re.search(r"""<(script|link|img|iframe)[^>]+(src|href)=["']?(https?:)?//""", page, re.I)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//|@import", page, re.I)  # nor from the styles
    assert "sourceMappingURL" not in page
    assert "bootstrap" not in page.lower()


def test_labels_are_data_never_markup(japan):
    page = render.selection_page(japan)
    assert "<img" not in page  # the label travels escaped inside the JSON
    data = page_data(page)
    assert node(data, str(mint("person", "xss")))["label"] == XSS


def test_events_carry_headline_date_digest_text_and_marked_words(japan):
    data = page_data(render.selection_page(japan))
    item = node(data, str(mint("event", SERIES, "2.1", 2)))
    assert item["label"] == "Exercise near Okinawa"
    assert item["date"] == "2023-01-20"
    assert item["digest"] == "US-Japan Alliance Digest Vol 2.1"
    marked = {item["text"][b:e] for b, e in item["marks"]}
    assert {"Hamada", "Austin", "INDOPACOM", "Okinawa", "January 20"} <= marked


def test_types_have_colours_shapes_and_sizes_follow_centrality(japan):
    data = page_data(render.selection_page(japan))
    kinds = {"event", "person", "organization", "country", "place", "topic", "event_type"}
    assert kinds == set(data["types"])
    assert len({(t["color"], t["shape"]) for t in data["types"].values()}) == len(data["types"])
    japan_node = node(data, str(mint("country", "JP")))  # linked to every event: the biggest entity
    assert japan_node["size"] == max(n["size"] for n in data["nodes"] if n["type"] != "event")
    assert japan_node["size"] > node(data, str(mint("place", "tokyo")))["size"]
    assert all(e["label"] for e in data["edges"])  # edges are labelled by relation
    assert data["options"]["physics"]["enabled"] is False


def test_an_ego_page_centres_the_entity(store):
    data = page_data(render.ego_page(store, "Hamada"))
    hamada = node(data, str(mint("person", "yasukazu-hamada")))
    assert (hamada["x"], hamada["y"]) == (0, 0)
    assert data["title"] == "Yasukazu Hamada: 2-hop network"


def test_cooccurrence_from_the_summary_graph(store):
    data = page_data(render.cooccurrence_page(store, "country"))
    jp, us, kr = (str(mint("country", c)) for c in ("JP", "US", "KR"))
    weights = {frozenset((e["from"], e["to"])): int(e["label"]) for e in data["edges"]}
    assert weights == {frozenset((jp, us)): 2, frozenset((jp, kr)): 1, frozenset((kr, us)): 1}
    assert node(data, jp)["label"] == "Japan"
    centrality = node(data, jp)["centrality"]
    assert centrality["degree"] == 1.0 and centrality["betweenness"] == 0.0


def test_cooccurrence_over_a_selection_counts_its_events(store):
    data = page_data(render.cooccurrence_page(store, "person", Criteria(date_from="2023")))
    pairs = {frozenset((e["from"], e["to"])) for e in data["edges"]}
    kishida = str(mint("person", "fumio-kishida"))
    assert pairs == {frozenset((kishida, str(mint("person", "joe-biden")))),
                     frozenset((kishida, str(mint("person", "yoon-suk-yeol")))),
                     frozenset((str(mint("person", "yasukazu-hamada")), str(mint("person", "lloyd-austin"))))}
    # Kishida connects two pairs that meet nowhere else: the highest betweenness
    assert node(data, kishida)["centrality"]["betweenness"] == max(
        n["centrality"]["betweenness"] for n in data["nodes"])


def test_an_entity_page_lists_its_events_in_time_order_with_marked_sentences(store):
    page = render.entity_page(store, "kishida")
    aside = page[page.index('<div id="kg-aside">'):]
    assert aside.index("Kishida meets Biden") < aside.index("Kishida and Yoon meet in Seoul")
    assert "<mark>Kishida</mark> and Yoon met in Seoul on March 16," in aside
    assert "2023-01-13 · US-Japan Alliance Digest Vol 2.1" in aside
    assert 'href="http://www.wikidata.org/entity/Q1323990"' in aside


def test_an_entity_page_escapes_the_entity(store):
    page = render.entity_page(store, str(mint("person", "xss")))
    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_an_unknown_entity_page_suggests_names(store):
    with pytest.raises(SelectionError, match="Did you mean: Hamada"):
        render.entity_page(store, "Hamda")


def test_too_many_nodes_are_refused_with_a_way_out(japan, monkeypatch):
    monkeypatch.setattr(render, "MAX_NODES", 10)
    with pytest.raises(render.TooManyNodes, match=r"narrow the selection.*cooccurrence"):
        render.selection_page(japan)


def test_cli_viz_writes_each_view(store, tmp_path):
    path = tmp_path / "store"
    make_store(path).close()
    for args, title in ((["--country", "Japan"], "Alliance KG selection"),
                        (["-e", "INDOPACOM"], "US Indo-Pacific Command: 2-hop network"),
                        (["--view", "cooccurrence", "--category", "country"],
                         "Who appears with whom: countries"),
                        (["--view", "entity", "-e", "Kishida"], "Fumio Kishida"),
                        (["--query", 'SELECT ?p WHERE { ?p rdfs:label "Lloyd Austin" }'],
                         "Alliance KG selection")):
        out = tmp_path / "page.html"
        result = CliRunner().invoke(cli, ["--store", str(path), "viz", *args, "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert page_data(out.read_text())["title"] == title
    result = CliRunner().invoke(cli, ["--store", str(path), "viz", "-e", "Nobody At All", "-o", str(out)])
    assert result.exit_code == 1 and result.stderr.startswith("Error: no entity is called 'Nobody At All'.")


# --- the page in a browser ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    chromium = Browser()
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def opened(browser, japan, tmp_path_factory):
    """The Japan selection page, loaded from file:// and drawn."""
    path = tmp_path_factory.mktemp("pages") / "japan.html"
    render.write_page(render.selection_page(japan), path)
    browser.events.clear()
    browser.open(path.as_uri())
    browser.wait_for("window.kgPage && window.kgPage.drawn()")
    return path


def test_the_page_loads_offline_without_errors(browser, opened):
    assert browser.errors() == []
    assert browser.requests() == [opened.as_uri()]  # nothing fetched but the page itself


def test_the_page_shows_every_node_of_the_selection(browser, opened, japan):
    count = to_networkx(japan).number_of_nodes()
    assert browser.evaluate("kgPage.nodes.length") == count
    assert browser.evaluate("kgPage.shownCount()") == count
    assert browser.evaluate("kgPage.network.body.nodeIndices.length") == count


def type_into_search(browser, text: str) -> None:
    browser.evaluate("document.getElementById('kg-search').focus()")
    browser.call("Input.insertText", text=text)
    browser.call("Input.dispatchKeyEvent", type="keyDown", key="Enter", code="Enter",
                 windowsVirtualKeyCode=13, text="\r")
    browser.call("Input.dispatchKeyEvent", type="keyUp", key="Enter", code="Enter", windowsVirtualKeyCode=13)


def test_searching_selects_the_node(browser, opened):
    browser.evaluate("document.getElementById('kg-search').value = ''")
    type_into_search(browser, "yasukazu hamada")
    assert browser.evaluate("kgPage.network.getSelectedNodes()") == [str(mint("person", "yasukazu-hamada"))]
    assert browser.evaluate("document.getElementById('kg-details').textContent").startswith(
        "SelectedYasukazu HamadaPerson")
    browser.evaluate("document.getElementById('kg-search').value = ''")
    type_into_search(browser, "Nobody")
    assert "nothing called" in browser.evaluate("document.getElementById('kg-status').textContent")


def test_the_xss_label_stays_text(browser, opened):
    browser.evaluate("document.getElementById('kg-search').value = ''")
    type_into_search(browser, "A strange name")
    details = browser.evaluate("document.getElementById('kg-details').textContent")
    assert f"A person calling themselves {XSS} posted about Japan." in details
    browser.evaluate(f"kgPage.find({json.dumps(XSS)})")
    assert XSS in browser.evaluate("document.getElementById('kg-details').textContent")
    assert browser.evaluate("document.querySelectorAll('img').length") == 0
    # the tooltip vis-network shows on hover is the same DOM element, with the text in it
    xss_node = json.dumps(str(mint("person", "xss")))
    tooltip = browser.evaluate(f"kgPage.nodes.get({xss_node}).title.textContent")
    assert tooltip.startswith(XSS)
    # hovering the node shows vis-network's tooltip, with the label as text
    x, y = browser.evaluate(f"""(() => {{
        const net = kgPage.network; net.focus({xss_node}, {{scale: 1.5, animation: false}});
        const p = net.canvasToDOM(net.getPositions([{xss_node}])[{xss_node}]);
        const r = document.getElementById('kg-network').getBoundingClientRect();
        return [r.left + p.x, r.top + p.y]; }})()""")
    for dx in (3, 0):
        browser.call("Input.dispatchMouseEvent", type="mouseMoved", x=x + dx, y=y)
    browser.wait_for("(document.querySelector('div.vis-tooltip') || {}).offsetParent != null", 5)
    assert browser.evaluate("document.querySelector('div.vis-tooltip').textContent").startswith(XSS)
    assert browser.evaluate("document.querySelectorAll('img').length") == 0
    assert browser.errors() == []


def test_clicking_a_node_highlights_its_neighbourhood(browser, opened):
    okinawa = str(mint("place", "okinawa"))
    x, y = browser.evaluate(f"""(() => {{
        const net = kgPage.network; net.fit({{animation: false}});
        const p = net.canvasToDOM(net.getPositions([{json.dumps(okinawa)}])[{json.dumps(okinawa)}]);
        const r = document.getElementById('kg-network').getBoundingClientRect();
        return [r.left + p.x, r.top + p.y]; }})()""")
    for kind in ("mousePressed", "mouseReleased"):
        browser.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)
    browser.wait_for("kgPage.network.getSelectedNodes().length === 1", 5)
    assert browser.evaluate("kgPage.network.getSelectedNodes()") == [okinawa]
    event = str(mint("event", SERIES, "2.1", 2))  # Okinawa's one event: a neighbour, not dimmed
    far = str(mint("place", "seoul"))
    colour = "(id) => kgPage.nodes.get(id).color"
    assert browser.evaluate(f"({colour})({json.dumps(event)})") == "#f2b134"
    assert browser.evaluate(f"({colour})({json.dumps(far)})") == "#e4e4e4"


def test_filters_by_type_and_by_date(browser, opened, japan):
    network = to_networkx(japan)
    total = network.number_of_nodes()
    places = sum(1 for _, d in network.nodes(data=True) if d["type"] == "place")
    browser.evaluate("document.querySelector('#kg-legend input[data-type=place]').click()")
    assert browser.evaluate("kgPage.shownCount()") == total - places
    browser.evaluate("document.querySelector('#kg-legend input[data-type=place]').click()")
    assert browser.evaluate("kgPage.shownCount()") == total
    browser.evaluate("""(() => { const box = document.getElementById('kg-from'); box.value = '2023';
        box.dispatchEvent(new Event('change')); })()""")
    shown = set(browser.evaluate("kgPage.view.getIds()"))
    assert str(mint("event", SERIES, "1.17", 2)) not in shown  # 2022-10-04
    assert str(mint("place", "tokyo")) not in shown  # only linked to that event
    assert str(mint("event", SERIES, "2.1", 1)) in shown
    browser.evaluate("""(() => { const box = document.getElementById('kg-from'); box.value = '';
        box.dispatchEvent(new Event('change')); })()""")
    assert browser.evaluate("kgPage.shownCount()") == total


def test_the_screenshot_is_not_blank(browser, opened):
    image = Image.open(io.BytesIO(browser.screenshot())).convert("RGB")
    canvas = image.crop((0, 60, image.width - 360, image.height))  # the network, not the side panel
    colours = canvas.getcolors(maxcolors=1 << 20)
    assert len(colours) > 50
    background = max(colours)[0] / (canvas.width * canvas.height)
    assert background < 0.97  # something is drawn on the white


def test_the_entity_page_loads_without_errors(browser, store, tmp_path):
    path = tmp_path / "entity.html"
    render.write_page(render.entity_page(store, "Kishida"), path)
    browser.events.clear()
    browser.open(path.as_uri())
    browser.wait_for("window.kgPage && window.kgPage.drawn()")
    assert browser.errors() == []
    assert browser.evaluate("document.querySelectorAll('#kg-aside li').length") == 2
    assert browser.evaluate("document.querySelector('#kg-aside mark').textContent") == "Kishida"


# --- entity pages served by `kg serve` ---------------------------------------------------------


def test_the_server_routes_entity_pages(tmp_path):
    from urllib.parse import quote

    from kg.serve import create_app, get

    path = tmp_path / "store"
    make_store(path).close()
    app = create_app(path, workers=1)
    try:
        status, headers, body = get(app, "/entity/person/fumio-kishida")
        assert status == 200 and headers["content-type"].startswith("text/html")
        assert page_data(body.decode())["title"] == "Fumio Kishida"
        status, _, body = get(app, "/entity/" + quote("INDOPACOM"))
        assert status == 200 and page_data(body.decode())["title"] == "US Indo-Pacific Command"
        status, _, body = get(app, "/entity/" + str(mint("person", "xss")))  # a full IRI
        assert status == 200 and b"<img" not in body and b"&lt;img src=x" in body
        status, _, body = get(app, "/entity/Kishda")
        assert status == 404 and b"Did you mean: Kishida" in body
    finally:
        app.state.pool.close()


def test_a_real_entity_page_in_the_browser(browser, tmp_path):
    from kg.ingest import ingest
    from kg.resources import resource
    from kg.store import Store

    store = Store.in_memory()
    assert ingest(store, [resource("data", "digests")]).ok
    path = tmp_path / "kishida.html"
    render.write_page(render.entity_page(store, "Kishida"), path)
    expected = to_networkx(select(store, entities=["Kishida"], hops=2)).number_of_nodes()
    browser.events.clear()
    browser.open(path.as_uri())
    browser.wait_for("window.kgPage && window.kgPage.drawn()")
    assert browser.errors() == []
    assert browser.requests() == [path.as_uri()]
    assert browser.evaluate("kgPage.shownCount()") == expected
    assert browser.evaluate("kgPage.find('Joe Biden')") == str(mint("person", "joe-biden"))
    marks = browser.evaluate("[...document.querySelectorAll('#kg-aside mark')].map(m => m.textContent)")
    assert marks and all("Kishida" in m for m in marks)


def test_a_busy_entity_is_refused_before_selecting(store, monkeypatch):
    monkeypatch.setattr(render, "MAX_NODES", 3)  # Japan has 5 events in the summary graph
    monkeypatch.setattr(render, "select", lambda *a, **k: pytest.fail("selected anyway"))
    with pytest.raises(render.TooManyNodes, match="6 nodes"):
        render.ego_page(store, "Japan")
    with pytest.raises(render.TooManyNodes):
        render.entity_page(store, "Japan")
