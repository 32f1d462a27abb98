/* Embeds the book's charts (div.sl-chart, written by scalinglab.charts.render) with vega-embed:
   SVG renderer, the page's light or dark theme (re-embedded when the reader switches), titles
   wrapped to the container width, side-by-side panels stacked on narrow screens, and a
   "Data (CSV)" link per dataset. Views are kept in window.scalinglabCharts.views for tests. */
(function () {
  "use strict";
  var state = (window.scalinglabCharts = window.scalinglabCharts || {});
  state.views = state.views || {};
  state.pending = 0;

  function theme() {
    return document.documentElement.dataset.theme === "dark" ? "dark" : "light";
  }
  function isObj(x) { return x && typeof x === "object" && !Array.isArray(x); }
  function merge(a, b) {
    var out = Object.assign({}, a);
    Object.keys(b).forEach(function (k) {
      out[k] = isObj(a[k]) && isObj(b[k]) ? merge(a[k], b[k]) : b[k];
    });
    return out;
  }
  function wrap(lines, maxChars) {
    var out = [];
    [].concat(lines).forEach(function (line) {
      var cur = "";
      String(line).split(" ").forEach(function (word) {
        if (cur && (cur + " " + word).length > maxChars) { out.push(cur); cur = word; }
        else { cur = cur ? cur + " " + word : word; }
      });
      out.push(cur);
    });
    return out;
  }
  function prepare(spec, width) {
    var s = JSON.parse(JSON.stringify(spec));
    if (theme() === "dark") {
      var dark = (window.SCALINGLAB_CHART_THEMES || {}).dark || {};
      s.config = merge(s.config || {}, dark);
    }
    if (isObj(s.title)) {
      s.title.text = wrap(s.title.text, Math.max(20, Math.floor((width - 30) / 8.5)));
      if (s.title.subtitle) s.title.subtitle = wrap(s.title.subtitle, Math.max(30, Math.floor((width - 30) / 6.2)));
    }
    if (width < 640 && s.hconcat) { s.vconcat = s.hconcat; delete s.hconcat; }
    // On a narrow screen, panels with a fixed width shrink to the container (less room for axis labels).
    if (width < 640) fit(s, Math.max(160, width - 120));
    return s;
  }
  function fit(node, avail) {
    if (!isObj(node)) return;
    if (typeof node.width === "number" && node.width > avail) node.width = avail;
    ["hconcat", "vconcat", "concat", "layer"].forEach(function (k) {
      (node[k] || []).forEach(function (child) { fit(child, avail); });
    });
  }
  function csv(rows) {
    var cols = [];
    rows.forEach(function (r) { Object.keys(r).forEach(function (k) { if (cols.indexOf(k) < 0) cols.push(k); }); });
    var cell = function (v) {
      if (v === null || v === undefined) return "";
      var t = String(v);
      return /[",\n]/.test(t) ? '"' + t.replace(/"/g, '""') + '"' : t;
    };
    return [cols.join(",")].concat(rows.map(function (r) { return cols.map(function (c) { return cell(r[c]); }).join(","); })).join("\n") + "\n";
  }
  function datasets(spec) {
    var out = [];
    if (spec.datasets) Object.keys(spec.datasets).sort().forEach(function (k) { out.push(spec.datasets[k]); });
    else if (spec.data && Array.isArray(spec.data.values)) out.push(spec.data.values);
    return out;
  }
  function addCsvLinks(el, spec) {
    if (el.querySelector(".sl-chart-data")) return;
    var sets = datasets(spec);
    if (!sets.length) return;
    var p = document.createElement("p");
    p.className = "sl-chart-data";
    sets.forEach(function (rows, i) {
      var a = document.createElement("a");
      a.textContent = sets.length > 1 ? "Data " + (i + 1) + " (CSV)" : "Data (CSV)";
      a.href = "#";
      a.download = el.id + (sets.length > 1 ? "-" + (i + 1) : "") + ".csv";
      a.addEventListener("click", function () {
        a.href = URL.createObjectURL(new Blob([csv(rows)], { type: "text/csv" }));
      });
      if (i) p.appendChild(document.createTextNode(" \u00b7 "));
      p.appendChild(a);
    });
    el.appendChild(p);
  }
  function embed(el) {
    var node = el.querySelector("script.sl-chart-spec");
    if (!node || typeof vegaEmbed === "undefined") return Promise.resolve();
    var spec;
    try { spec = JSON.parse(node.textContent); } catch (err) {
      el.dataset.rendered = "error";
      console.error("chart " + el.id + ": unreadable spec: " + err);
      return Promise.resolve();
    }
    var target = el.querySelector(".sl-chart-view");
    if (state.views[el.id]) { state.views[el.id].finalize(); delete state.views[el.id]; }
    var width = el.clientWidth || target.clientWidth || 600;
    state.pending += 1;
    el.dataset.rendered = "";
    return vegaEmbed(target, prepare(spec, width), {
      renderer: "svg",
      actions: { export: true, source: false, compiled: false, editor: false },
      logLevel: 2, // vega.Warn: Vega warnings reach the console (the browser tests fail on them)
    }).then(function (res) {
      state.views[el.id] = res.view;
      el.dataset.theme = theme();
      el.dataset.rendered = "1";
      addCsvLinks(el, spec);
    }).catch(function (err) {
      el.dataset.rendered = "error";
      console.error("chart " + el.id + ": " + err);
    }).finally(function () { state.pending -= 1; });
  }
  function embedAll() {
    return Promise.all(Array.prototype.map.call(document.querySelectorAll("div.sl-chart"), embed));
  }
  state.embedAll = embedAll;
  function start() {
    embedAll();
    var current = theme();
    new MutationObserver(function () {
      if (theme() !== current) { current = theme(); embedAll(); }
    }).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
    var lastWidth = window.innerWidth, timer;
    window.addEventListener("resize", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (Math.abs(window.innerWidth - lastWidth) > 40) { lastWidth = window.innerWidth; embedAll(); }
      }, 250);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
