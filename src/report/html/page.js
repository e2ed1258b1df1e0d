
"use strict";
// hivetriage's report page: sorting, filtering, counts that follow the
// filter, and each bundle's details built from its inline JSON when opened.
// Everything from a bundle goes into the page as text (textContent), never
// as markup. Nothing here loads or sends anything.
//
// A batch may hold tens of thousands of bundles, more rows than a browser
// lays out quickly. The rows as written stay in their tbody (#rows), which
// the stylesheet hides as soon as the head's script marks the page `js`, so
// they are never laid out; the table shows a page of the rows that match
// (PAGE at a time, more on request) in a second tbody. Counts and the chart
// are computed from every matching row.
(function () {
  var doc = document;
  var PAGE = 200;

  var VERDICTS = ["fail", "unknown", "error", "pass", "not_applicable"];
  var WORDS = { fail: "fail", unknown: "unknown", error: "error", pass: "pass", not_applicable: "not applicable" };
  // Sorting by verdict puts what needs attention first.
  var RANK = { fail: 0, unknown: 1, error: 2, pass: 3, not_applicable: 4, none: 5 };

  var table = doc.getElementById("bundles");
  var store = doc.getElementById("rows");
  var view = doc.createElement("tbody");
  view.id = "view";
  table.appendChild(view);
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var checkIds = heads.filter(function (th) { return th.dataset.check; })
    .map(function (th) { return th.dataset.check; });
  var FIRST_CHECK = heads.length - checkIds.length;

  // Control characters and bidirectional controls as visible stand-ins,
  // exactly as the page's writer shows them in the rows.
  function visible(text) {
    return String(text).replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, function (c) {
      var code = c.charCodeAt(0);
      if (code < 0x20) return String.fromCharCode(0x2400 + code);
      if (code === 0x7f) return "\u2421";
      return "\u27e8U+" + ("000" + code.toString(16).toUpperCase()).slice(-4) + "\u27e9";
    });
  }

  function el(tag, className, text) {
    var node = doc.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // ------------------------------------------------------------ the rows
  var rows = [];
  var byPos = {};
  var dataOf = {};
  for (var node = store.firstElementChild; node; node = node.nextElementSibling) {
    if (node.tagName === "SCRIPT") {
      dataOf[node.id.slice(1)] = node;
      continue;
    }
    var cells = node.cells;
    var row = {
      tr: node,
      pos: Number(node.dataset.pos),
      verdict: node.dataset.v,
      checks: [],
      text: [cells[0].textContent, cells[1].textContent, cells[2].textContent],
      detail: null,
      open: false
    };
    for (var k = 0; k < checkIds.length; k++) {
      row.checks.push(cells[FIRST_CHECK + k].classList[1] || "none");
    }
    row.search = (row.text[0] + "\n" + row.text[1]).toLowerCase();
    rows.push(row);
    byPos[row.pos] = row;
  }
  // Rows arrive in completion order; the table starts in input order.
  rows.sort(function (a, b) { return a.pos - b.pos; });
  var matching = rows;
  var limit = PAGE;

  var pager = el("div", "pager");
  pager.id = "pager";
  var pagerText = el("span");
  var more = el("button", null, "Show more");
  var all = el("button", null, "Show all");
  more.type = all.type = "button";
  pager.appendChild(pagerText);
  pager.appendChild(more);
  pager.appendChild(all);
  table.parentNode.appendChild(pager);
  more.addEventListener("click", function () { limit += PAGE; render(); });
  all.addEventListener("click", function () { limit = matching.length; render(); });

  // Shows the first `limit` matching rows, each with its details if open.
  function render() {
    var end = Math.min(limit, matching.length);
    var fragment = doc.createDocumentFragment();
    for (var i = 0; i < end; i++) {
      var row = matching[i];
      var button = row.tr.querySelector("button.open");
      if (!button.hasAttribute("aria-expanded")) button.setAttribute("aria-expanded", "false");
      fragment.appendChild(row.tr);
      if (row.open) fragment.appendChild(row.detail);
    }
    view.textContent = "";
    view.appendChild(fragment);
    pager.hidden = end >= matching.length;
    pagerText.textContent = "Rows 1\u2013" + end + " of " + matching.length + " shown. ";
    more.textContent = "Show " + Math.min(PAGE, matching.length - end) + " more";
    all.textContent = "Show all " + matching.length;
  }

  // ------------------------------------------------------------- sorting
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
  var sortState = { column: -1, descending: false };
  function sortKey(row, column) {
    if (column < 3) return row.text[column];
    if (column === 3) return RANK[row.verdict];
    return RANK[row.checks[column - FIRST_CHECK]];
  }
  function sortBy(column) {
    var descending = sortState.column === column ? !sortState.descending : false;
    sortState = { column: column, descending: descending };
    var byText = column < 3;
    var keyed = rows.map(function (row) { return { row: row, key: sortKey(row, column) }; });
    keyed.sort(function (a, b) {
      var order = byText ? collator.compare(a.key, b.key) : a.key - b.key;
      if (descending) order = -order;
      return order || a.row.pos - b.row.pos;
    });
    rows = keyed.map(function (item) { return item.row; });
    heads.forEach(function (th, i) {
      if (i === column) th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      else th.removeAttribute("aria-sort");
    });
    applyFilters(true);
  }
  heads.forEach(function (th, column) {
    var button = el("button");
    button.type = "button";
    while (th.firstChild) button.appendChild(th.firstChild);
    button.title = "Sort by " + (th.dataset.check || button.textContent);
    th.appendChild(button);
    button.addEventListener("click", function () { sortBy(column); });
  });

  // ----------------------------------------------------------- filtering
  var form = doc.getElementById("filters");
  var fVerdict = doc.getElementById("f-verdict");
  var fCheck = doc.getElementById("f-check");
  var fCheckVerdict = doc.getElementById("f-check-verdict");
  var fText = doc.getElementById("f-text");
  form.hidden = false;

  var shown = doc.getElementById("shown");
  var countItems = Array.prototype.slice.call(doc.querySelectorAll("#counts li"));
  var chart = doc.getElementById("chart");
  var chartCaption = chart.querySelector("figcaption");
  var barGroups = Array.prototype.slice.call(chart.querySelectorAll("g[data-check]"));

  function plural(count) { return count === 1 ? "1 bundle" : count + " bundles"; }
  function barPercent(count, of) {
    if (count === 0 || of === 0) return "0";
    return Math.max(count / of * 80, 0.5).toFixed(1);
  }

  // Recomputes the matching rows, the counts and the chart, and shows the
  // first page of matches (or, `keepLimit`, as many as were shown).
  function applyFilters(keepLimit) {
    var verdict = fVerdict.value;
    var check = fCheck.value === "" ? -1 : Number(fCheck.value);
    var checkVerdict = fCheckVerdict.value;
    var text = fText.value.trim().toLowerCase();
    fCheckVerdict.disabled = check < 0;
    var counts = {};
    VERDICTS.forEach(function (v) { counts[v] = 0; });
    var perCheck = checkIds.map(function () { return { fail: 0, unknown: 0 }; });
    matching = [];
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i];
      if ((verdict && row.verdict !== verdict) ||
          (check >= 0 && row.checks[check] !== checkVerdict) ||
          (text && row.search.indexOf(text) < 0)) continue;
      matching.push(row);
      counts[row.verdict]++;
      for (var k = 0; k < row.checks.length; k++) {
        var c = row.checks[k];
        if (c === "fail" || c === "unknown") perCheck[k][c]++;
      }
    }
    if (keepLimit !== true) limit = PAGE;
    render();
    var filtered = matching.length !== rows.length;
    shown.textContent = filtered ? "Showing " + matching.length + " of " + plural(rows.length) : plural(rows.length);
    countItems.forEach(function (li) {
      li.querySelector("b").textContent = counts[li.dataset.v];
      li.classList.toggle("active", verdict === li.dataset.v);
    });
    chartCaption.textContent = "Bundles failing each check, or where it is unknown (bars to scale of " +
      (filtered ? "the " + plural(matching.length) + " shown" : plural(matching.length)) + ")";
    barGroups.forEach(function (group) {
      var k = Number(group.dataset.check);
      Array.prototype.forEach.call(group.querySelectorAll("g.bar"), function (bar) {
        var v = bar.dataset.v;
        var width = barPercent(perCheck[k][v], matching.length) + "%";
        bar.querySelector("rect").setAttribute("width", width);
        var label = bar.querySelector("text");
        label.setAttribute("x", width);
        label.textContent = perCheck[k][v] + " " + v;
      });
    });
  }

  var typing = null;
  fText.addEventListener("input", function () {
    clearTimeout(typing);
    typing = setTimeout(applyFilters, 120);
  });
  [fVerdict, fCheck, fCheckVerdict].forEach(function (select) {
    select.addEventListener("change", applyFilters);
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.addEventListener("reset", function () { setTimeout(applyFilters, 0); });

  // The counts and the chart's bars filter too.
  countItems.forEach(function (li) {
    li.tabIndex = 0;
    li.setAttribute("role", "button");
    li.title = "Show only bundles whose verdict is " + WORDS[li.dataset.v];
    function pick() {
      fVerdict.value = fVerdict.value === li.dataset.v ? "" : li.dataset.v;
      applyFilters();
    }
    li.addEventListener("click", pick);
    li.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); pick(); }
    });
  });
  barGroups.forEach(function (group) {
    Array.prototype.forEach.call(group.querySelectorAll("g.bar"), function (bar) {
      bar.setAttribute("tabindex", "0");
      bar.setAttribute("role", "button");
      var id = checkIds[Number(group.dataset.check)];
      bar.setAttribute("aria-label", "Show only bundles where " + id + " is " + bar.dataset.v);
      function pick() {
        fCheck.value = group.dataset.check;
        fCheckVerdict.value = bar.dataset.v;
        applyFilters();
      }
      bar.addEventListener("click", pick);
      bar.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); pick(); }
      });
    });
  });

  // ------------------------------------------------------------- details
  var FIELDS_SHOWN = ["bundle", "verdict", "computer_name", "control_set", "sources", "errors",
    "checks", "windows", "windows_text"];

  function show(value) {
    if (value === null || value === undefined) return "\u2014";
    if (typeof value === "string") return value;
    return JSON.stringify(value);
  }

  // Evidence as (name, text) rows, as the Markdown report lays it out:
  // nested objects as dotted names, each object in a list one row.
  function inline(value) {
    if (Array.isArray(value)) return value.length ? value.map(inline).join(", ") : "none";
    if (value && typeof value === "object") {
      var keys = Object.keys(value);
      return keys.length ? keys.map(function (key) { return key + ": " + inline(value[key]); }).join("; ") : "none";
    }
    return show(value);
  }
  function flatten(name, value, out) {
    if (value && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length) {
      Object.keys(value).forEach(function (key) { flatten(name + "." + key, value[key], out); });
    } else if (Array.isArray(value) && value.some(function (item) { return item && typeof item === "object"; })) {
      value.forEach(function (item, i) { out.push([name + "." + (i + 1), inline(item)]); });
    } else {
      out.push([name, inline(value)]);
    }
  }

  function keyValueTable(pairs) {
    var t = el("table", "kv");
    var body = el("tbody");
    pairs.forEach(function (pair) {
      var r = el("tr");
      r.appendChild(el("th", null, visible(pair[0])));
      r.appendChild(el("td", null, visible(pair[1])));
      body.appendChild(r);
    });
    t.appendChild(body);
    return t;
  }

  function verdictBadge(verdict) {
    return el("span", "v " + verdict, WORDS[verdict] || verdict);
  }

  function copyText(pre, button) {
    var text = pre.textContent;
    function done(ok) {
      button.textContent = ok ? "Copied" : "Select and copy";
      setTimeout(function () { button.textContent = "Copy"; }, 1500);
    }
    function bySelection() {
      var range = doc.createRange();
      range.selectNodeContents(pre);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      var ok = false;
      try { ok = doc.execCommand("copy"); } catch (e) { ok = false; }
      done(ok);
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, bySelection);
    } else {
      bySelection();
    }
  }

  function fixBlock(block) {
    var wrap = el("div", "fix");
    var head = el("div", "head");
    head.appendChild(el("span", null, visible(block.label)));
    var button = el("button", null, "Copy");
    button.type = "button";
    head.appendChild(button);
    var pre = el("pre", null, block.text);
    button.addEventListener("click", function () { copyText(pre, button); });
    wrap.appendChild(head);
    wrap.appendChild(pre);
    return wrap;
  }

  function checkSection(check) {
    var details = el("details");
    details.open = check.verdict === "fail" || check.verdict === "unknown";
    var summary = el("summary");
    summary.appendChild(verdictBadge(check.verdict));
    summary.appendChild(el("span", "id", visible(check.id)));
    summary.appendChild(el("span", null, visible(check.summary)));
    details.appendChild(summary);
    var body = el("div", "body");
    var evidence = [];
    Object.keys(check.evidence || {}).forEach(function (key) { flatten(key, check.evidence[key], evidence); });
    if (evidence.length) {
      body.appendChild(el("h4", null, "Evidence"));
      body.appendChild(keyValueTable(evidence));
    }
    if (check.remediation) {
      body.appendChild(el("h4", null, "Remediation"));
      body.appendChild(el("p", "remediation", visible(check.remediation).replace(/\u240a/g, "\n")));
    }
    (check.fix_blocks || []).forEach(function (block) { body.appendChild(fixBlock(block)); });
    details.appendChild(body);
    return details;
  }

  function buildDetail(row) {
    var data = JSON.parse(dataOf[row.pos].textContent);
    var tr = el("tr", "detail");
    tr.id = "details-" + row.pos;
    var td = el("td");
    td.colSpan = heads.length;
    var panel = el("div", "panel");
    panel.appendChild(el("h2", null, visible(data.bundle)));
    var facts = [
      ["Verdict", WORDS[data.verdict] || data.verdict],
      ["Computer", show(data.computer_name)],
      ["Windows", data.windows_text || "\u2014"],
      ["Control set", show(data.control_set)]
    ];
    // Fields added to the report later (hashes, times) show up here too.
    Object.keys(data).forEach(function (key) {
      if (FIELDS_SHOWN.indexOf(key) < 0) facts.push([key, inline(data[key])]);
    });
    var dl = el("dl", "facts");
    facts.forEach(function (fact) {
      dl.appendChild(el("dt", null, fact[0]));
      dl.appendChild(el("dd", null, visible(fact[1])));
    });
    panel.appendChild(dl);
    if (data.checks.length) {
      panel.appendChild(el("h3", null, "Checks"));
      data.checks.forEach(function (check) { panel.appendChild(checkSection(check)); });
    }
    if (data.errors.length) {
      panel.appendChild(el("h3", null, "Problems reading the bundle"));
      var list = el("ul", "errors");
      data.errors.forEach(function (error) { list.appendChild(el("li", null, visible(error))); });
      panel.appendChild(list);
    }
    if (data.sources.length) {
      panel.appendChild(el("h3", null, "Sources"));
      var sources = el("table", "list");
      var headRow = el("tr");
      ["Entry", "Taken as", "Detail"].forEach(function (name) { headRow.appendChild(el("th", null, name)); });
      var thead = el("thead");
      thead.appendChild(headRow);
      sources.appendChild(thead);
      var body = el("tbody");
      data.sources.forEach(function (source) {
        var r = el("tr");
        r.appendChild(el("td", "mono", visible(source.name)));
        r.appendChild(el("td", null, visible(source.kind)));
        r.appendChild(el("td", null, visible(show(source.detail))));
        body.appendChild(r);
      });
      sources.appendChild(body);
      panel.appendChild(sources);
    }
    td.appendChild(panel);
    tr.appendChild(td);
    return tr;
  }

  function toggle(row, button) {
    row.open = !row.open;
    if (row.open) {
      if (!row.detail) row.detail = buildDetail(row);
      row.tr.parentNode.insertBefore(row.detail, row.tr.nextSibling);
      button.setAttribute("aria-controls", row.detail.id);
    } else if (row.detail && row.detail.parentNode) {
      row.detail.parentNode.removeChild(row.detail);
    }
    button.setAttribute("aria-expanded", row.open ? "true" : "false");
  }

  view.addEventListener("click", function (event) {
    var button = event.target.closest("button.open");
    if (!button) return;
    var row = byPos[button.closest("tr").dataset.pos];
    if (row) toggle(row, button);
  });

  applyFilters();

  // One bundle: its details are what the reader came for. A link to
  // `page.html#b<position>` opens that bundle's.
  var linked = /^#b(\d+)$/.exec(location.hash);
  var opening = rows.length === 1 ? rows[0] : linked && byPos[linked[1]];
  if (opening) {
    var at = matching.indexOf(opening);
    if (at >= limit) { limit = Math.ceil((at + 1) / PAGE) * PAGE; render(); }
    toggle(opening, opening.tr.querySelector("button.open"));
    if (rows.length > 1) opening.tr.scrollIntoView();
  }
})();
