/* netviz report explorer: progressive enhancement of the static report, vanilla JS, no requests.
   Without it the page reads the same: gallery links jump to their figures, the heatmaps of
   each method stand one under the other, the filter grids are whole images. With it:
   - a[data-gallery] opens its target figure in a modal dialog (Escape or Close; focus returns);
   - figures sharing data-switch (one per heatmap method) become tabs (arrow keys, Home, End);
   - a filter grid (data-tiles) gets a viewer that steps through every filter image it holds.
   The PDF is typeset from the same HTML by WeasyPrint, which runs no script. */
(function () {
  "use strict";
  var doc = document;

  function el(tag, attrs, text) {
    var node = doc.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }

  /* One modal dialog for galleries and the filter viewer; its content is replaced each time. */
  var dialog, body, opener, onArrow;
  function modal(title, content, arrows) {
    if (!dialog) {
      dialog = el("dialog", {"class": "explore-dialog", "aria-labelledby": "explore-dialog-title"});
      var bar = el("div", {"class": "explore-bar"});
      bar.appendChild(el("h2", {id: "explore-dialog-title"}));
      var close = el("button", {type: "button", "class": "explore-close"}, "Close");
      close.addEventListener("click", function () { dialog.close(); });
      bar.appendChild(close);
      body = el("div", {"class": "explore-body"});
      dialog.appendChild(bar);
      dialog.appendChild(body);
      dialog.addEventListener("keydown", function (event) {
        var step = {ArrowLeft: -1, ArrowRight: 1}[event.key];
        if (step && onArrow) { event.preventDefault(); onArrow(step); }
      });
      dialog.addEventListener("close", function () {
        body.textContent = "";
        if (opener) opener.focus();
        opener = null;
      });
      doc.body.appendChild(dialog);
    }
    opener = doc.activeElement;
    onArrow = arrows || null;
    dialog.querySelector("h2").textContent = title;
    body.textContent = "";
    body.appendChild(content);
    dialog.showModal();
    dialog.querySelector(".explore-close").focus();
  }

  /* A copy of a figure for the dialog: ids dropped so that none is duplicated. */
  function copyOf(figure) {
    var copy = figure.cloneNode(true);
    copy.removeAttribute("id");
    copy.querySelectorAll("[id]").forEach(function (n) { n.removeAttribute("id"); });
    return copy;
  }

  /* The element a link's #fragment names (percent-encoded in link.hash where the id is not ASCII). */
  function byHash(fragment) {
    try { return doc.getElementById(decodeURIComponent(fragment)); } catch (err) { return doc.getElementById(fragment); }
  }

  function galleries() {
    doc.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a[data-gallery]");
      if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
      var target = byHash(link.hash.slice(1));
      if (!target) return;  // no figure: the link jumps as it would without script
      event.preventDefault();
      var caption = target.querySelector("figcaption");
      modal(caption ? caption.textContent.trim() : link.textContent.trim(), copyOf(target));
    });
  }

  /* Heatmap figures of one group (same data-switch, same parent) as tabs in place of the stack. */
  function tabs() {
    var groups = new Map();
    doc.querySelectorAll("figure[data-switch]").forEach(function (fig) {
      var key = fig.getAttribute("data-switch");
      var byParent = groups.get(fig.parentNode) || new Map();
      groups.set(fig.parentNode, byParent);
      (byParent.get(key) || byParent.set(key, []).get(key)).push(fig);
    });
    groups.forEach(function (byParent) {
      byParent.forEach(function (figs) { if (figs.length > 1) tabSet(figs); });
    });
  }

  function tabSet(figs) {
    var box = el("div", {"class": "method-tabs"});
    var list = el("div", {role: "tablist", "aria-label": "Heatmap method"});
    box.appendChild(list);
    figs[0].parentNode.insertBefore(box, figs[0]);
    var panels = [];
    var buttons = figs.map(function (fig, i) {
      var tab = el("button", {type: "button", role: "tab", id: fig.id + "-tab", "aria-controls": fig.id + "-panel"},
                   fig.getAttribute("data-tab"));
      var panel = el("div", {role: "tabpanel", id: fig.id + "-panel", "aria-labelledby": tab.id});
      panels.push(panel);
      tab.addEventListener("click", function () { select(i, false); });
      tab.addEventListener("keydown", function (event) {
        var next = {ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1,
                    Home: 0, End: figs.length - 1}[event.key];
        if (next === undefined) return;
        event.preventDefault();
        select((next + figs.length) % figs.length, true);
      });
      list.appendChild(tab);
      panel.appendChild(fig);
      box.appendChild(panel);
      return tab;
    });
    function select(k, focus) {
      buttons.forEach(function (tab, i) {
        tab.setAttribute("aria-selected", String(i === k));
        tab.tabIndex = i === k ? 0 : -1;
        panels[i].hidden = i !== k;
      });
      if (focus) buttons[k].focus();
    }
    var hash = location.hash.slice(1);
    var shown = figs.findIndex(function (fig) { return fig.id === hash; });
    select(shown < 0 ? 0 : shown, false);
  }

  /* Printing from the browser shows every method again and no controls, as the PDF does. */
  function printAll() {
    var hidden = [], controls = [];
    addEventListener("beforeprint", function () {
      hidden = Array.from(doc.querySelectorAll(".method-tabs > [role=tabpanel][hidden]"));
      controls = Array.from(doc.querySelectorAll(".method-tabs > [role=tablist], .explore-browse"));
      hidden.forEach(function (n) { n.hidden = false; });
      controls.forEach(function (n) { n.hidden = true; });
    });
    addEventListener("afterprint", function () {
      hidden.forEach(function (n) { n.hidden = true; });
      controls.forEach(function (n) { n.hidden = false; });
    });
  }

  /* The filter images of a grid one at a time, enlarged, cut from the grid picture itself. */
  function filters() {
    doc.querySelectorAll("figure[data-tiles]").forEach(function (fig) {
      var img = fig.querySelector("img");
      if (!img) return;
      var grid = JSON.parse(fig.getAttribute("data-tiles"));
      var open = el("button", {type: "button", "class": "explore-browse"}, "Browse the " + grid.n + " filter images");
      open.addEventListener("click", function () { viewer(fig, img, grid, 0); });
      img.addEventListener("click", function (event) {
        var box = img.getBoundingClientRect(), k = grid.w / box.width;
        var col = Math.floor(((event.clientX - box.left) * k - grid.x0) / grid.dx);
        var row = Math.floor(((event.clientY - box.top) * k - grid.y0) / grid.dy);
        var i = row * grid.cols + col;
        if (col >= 0 && col < grid.cols && i >= 0 && i < grid.n) viewer(fig, img, grid, i);
      });
      img.classList.add("explore-clickable");
      fig.querySelector("figcaption").appendChild(open);
    });
  }

  function viewer(fig, img, grid, start) {
    var box = el("div", {"class": "filter-viewer"});
    var tile = el("div", {"class": "filter-tile", role: "img"});
    var label = el("p", {"class": "filter-label", "aria-live": "polite"});
    var prev = el("button", {type: "button"}, "Previous"), next = el("button", {type: "button"}, "Next");
    var nav = el("div", {"class": "filter-nav"});
    [prev, next].forEach(function (n) { nav.appendChild(n); });
    [tile, label, nav].forEach(function (n) { box.appendChild(n); });
    var size = 224, zoom = size / grid.tw, i = start;
    tile.style.width = size + "px";
    tile.style.height = Math.round(grid.th * zoom) + "px";
    tile.style.backgroundImage = "url(" + JSON.stringify(img.src) + ")";
    tile.style.backgroundSize = grid.w * zoom + "px " + grid.h * zoom + "px";
    function show(k) {
      i = (k + grid.n) % grid.n;
      var x = grid.x0 + (i % grid.cols) * grid.dx, y = grid.y0 + Math.floor(i / grid.cols) * grid.dy;
      tile.style.backgroundPosition = -x * zoom + "px " + -y * zoom + "px";
      var value = grid.act && grid.act[i] !== undefined ? ", final activation " + grid.act[i].toFixed(3) : "";
      label.textContent = "Filter image " + (i + 1) + " of " + grid.n + value;
      tile.setAttribute("aria-label", label.textContent);
    }
    prev.addEventListener("click", function () { show(i - 1); });
    next.addEventListener("click", function () { show(i + 1); });
    show(start);
    modal("Filters of layer " + grid.layer, box, function (step) { show(i + step); });
  }

  function start() {
    galleries();
    tabs();
    printAll();
    filters();
    doc.documentElement.classList.add("explore");
  }
  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", start);
  else start();
})();
