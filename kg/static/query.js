// The query page: an editor (CodeMirror when installed), the named queries as examples, a result
// table with labels and links, and downloads in every format. Talks only to this server.
"use strict";

const RESULT_FORMATS = ["json", "xml", "csv", "tsv"];
const GRAPH_FORMATS = ["turtle", "nt", "jsonld", "trig"];
const LABEL_PROPERTIES = "<http://www.w3.org/2000/01/rdf-schema#label>|<http://www.w3.org/2004/02/skos/core#prefLabel>"
  + "|<http://purl.org/dc/terms/title>";

const textarea = document.getElementById("editor");
const editor = window.CodeMirror
  ? CodeMirror.fromTextArea(textarea, { mode: "application/sparql-query", lineNumbers: true,
      extraKeys: { "Ctrl-Enter": () => run(), "Cmd-Enter": () => run() } })
  : null;
const getText = () => (editor ? editor.getValue() : textarea.value);
const setText = (text) => (editor ? editor.setValue(text) : (textarea.value = text));
if (!editor) textarea.addEventListener("keydown", (e) => { if (e.ctrlKey && e.key === "Enter") run(); });

const examples = document.getElementById("examples");
const paramsBox = document.getElementById("params");
const statusLine = document.getElementById("status");
const results = document.getElementById("results");
const downloads = document.getElementById("downloads");
let named = {};

function setStatus(text, isError) {
  statusLine.textContent = text;
  statusLine.className = isError ? "error" : "";
}

function showParams(query) {
  paramsBox.replaceChildren();
  for (const param of query ? query.params : []) {
    const label = document.createElement("label");
    label.textContent = param.name + (param.optional ? " (optional)" : "");
    label.title = param.doc;
    const input = document.createElement("input");
    input.name = param.name;
    input.placeholder = param.type === "date" ? "YYYY-MM-DD" : param.type === "month" ? "YYYY-MM" : param.type;
    label.appendChild(input);
    paramsBox.appendChild(label);
  }
}

function chooseExample(name, values) {
  const query = named[name];
  examples.value = query ? name : "";
  document.getElementById("description").textContent = query ? query.description : "";
  showParams(query);
  if (!query) return;
  setText(query.text);
  for (const [key, value] of Object.entries(values || {})) {
    const input = paramsBox.querySelector(`input[name="${CSS.escape(key)}"]`);
    if (input) input.value = value;
  }
}

// The request for what is in the editor: the named query route while its text is untouched.
function requestUrl(format) {
  const query = named[examples.value];
  const params = new URLSearchParams();
  let path = "/sparql";
  if (query && getText() === query.text) {
    path = "/queries/" + encodeURIComponent(query.name);
    for (const input of paramsBox.querySelectorAll("input")) if (input.value) params.set(input.name, input.value);
  } else {
    params.set("query", getText());
  }
  if (format) params.set("format", format);
  return path + "?" + params.toString();
}

async function labelsFor(iris) {
  if (!iris.length) return {};
  const values = iris.slice(0, 500).map((iri) => `<${iri}>`).join(" ");
  const sparql = `SELECT ?s (SAMPLE(?l) AS ?label) WHERE { VALUES ?s { ${values} } ?s ${LABEL_PROPERTIES} ?l } GROUP BY ?s`;
  const response = await fetch("/sparql?" + new URLSearchParams({ query: sparql }),
    { headers: { Accept: "application/sparql-results+json" } });
  if (!response.ok) return {};
  const data = await response.json();
  const labels = {};
  for (const b of data.results.bindings) labels[b.s.value] = b.label.value;
  return labels;
}

function entityLink(iri, label) {
  const link = document.createElement("a");
  const describe = `SELECT ?property ?value WHERE { <${iri}> ?property ?value }`;
  link.href = "/?" + new URLSearchParams({ query: describe });
  link.textContent = label || iri;
  link.title = iri;
  return link;
}

async function showTable(data) {
  const variables = data.head.vars;
  const rows = data.results.bindings;
  const iris = [...new Set(rows.flatMap((row) => Object.values(row).filter((t) => t.type === "uri").map((t) => t.value)))];
  const labels = await labelsFor(iris);
  const table = document.createElement("table");
  const head = table.createTHead().insertRow();
  for (const name of variables) head.appendChild(document.createElement("th")).textContent = name;
  const body = table.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const name of variables) {
      const cell = tr.insertCell();
      const term = row[name];
      if (!term) continue;
      if (term.type === "uri") cell.appendChild(entityLink(term.value, labels[term.value]));
      else {
        cell.textContent = term.value;
        if (/^-?\d+(\.\d+)?$/.test(term.value)) cell.className = "number";
      }
    }
  }
  results.replaceChildren(table);
  return rows.length;
}

function showDownloads(formats) {
  downloads.replaceChildren(document.createTextNode("Download: "));
  for (const format of formats) {
    const link = document.createElement("a");
    link.href = requestUrl(format);
    link.textContent = format;
    link.download = "result." + (format === "jsonld" ? "jsonld" : format);
    downloads.appendChild(link);
  }
}

async function run() {
  setStatus("Running…");
  results.replaceChildren();
  downloads.replaceChildren();
  const started = performance.now();
  try {
    const response = await fetch(requestUrl(), {
      headers: { Accept: "application/sparql-results+json, text/turtle;q=0.9" } });
    const type = response.headers.get("content-type") || "";
    if (!response.ok) {
      setStatus(`Error ${response.status}: ${await response.text()}`, true);
      return;
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    const truncated = response.headers.get("x-kg-truncated") ? " (truncated at the row cap)" : "";
    if (type.includes("sparql-results+json")) {
      const data = await response.json();
      if ("boolean" in data) {
        results.textContent = data.boolean ? "yes" : "no";
        setStatus(`Answered in ${seconds} s`);
      } else {
        const count = await showTable(data);
        setStatus(`${count} row${count === 1 ? "" : "s"} in ${seconds} s${truncated}`);
      }
      showDownloads(RESULT_FORMATS);
    } else {
      const pre = document.createElement("pre");
      pre.className = "graph";
      pre.textContent = await response.text();
      results.replaceChildren(pre);
      setStatus(`Graph in ${seconds} s${truncated}`);
      showDownloads(GRAPH_FORMATS);
    }
  } catch (error) {
    setStatus("Error: " + error, true);
  }
}

document.getElementById("run").addEventListener("click", run);
examples.addEventListener("change", () => chooseExample(examples.value));

async function start() {
  const response = await fetch("/queries");
  for (const query of await response.json()) {
    named[query.name] = query;
    const option = document.createElement("option");
    option.value = query.name;
    option.textContent = query.name;
    option.title = query.description;
    examples.appendChild(option);
  }
  // A query in the page's own URL runs at once: /?query=... or /?name=NAME&param=value.
  const url = new URLSearchParams(location.search);
  if (url.get("name")) {
    const values = Object.fromEntries([...url].filter(([key]) => key !== "name"));
    chooseExample(url.get("name"), values);
    await run();
  } else if (url.get("query")) {
    setText(url.get("query"));
    await run();
  }
  document.body.dataset.ready = "true";
}
start();
