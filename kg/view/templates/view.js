/* kg view: draws the graph held in #kg-data with vis-network.
   Briefing text only ever reaches the page through textContent, innerText
   (vis-network's tooltips) or the canvas: never as HTML. */
(function () {
  "use strict";

  var timings = window.kgTimings = { scriptStart: performance.now() };  // read by bench/view_bench.py
  var data = JSON.parse(document.getElementById("kg-data").textContent);
  var info = data.nodes;  // node id == index
  var SYMBOLS = { dot: "\u25CF", diamond: "\u25C6", triangle: "\u25B2", square: "\u25A0", star: "\u2605", triangleDown: "\u25BC", hexagon: "\u2B22" };
  var typeStyle = {};
  var shownTypes = {};
  data.nodeTypes.forEach(function (t) { typeStyle[t.type] = t; shownTypes[t.type] = t.shown; });
  var shownRelations = {};
  data.relations.forEach(function (r) { shownRelations[r.relation] = true; });

  function el(tag, text, className) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (className) e.className = className;
    return e;
  }

  function nodeName(n) {
    return n.notation + (n.label ? " \u2014 " + n.label : "");
  }

  /* sources are flat [file index, line, ...] lists */
  function sourceTexts(flat) {
    var out = [];
    for (var i = 0; flat && i < flat.length; i += 2) out.push(data.files[flat[i]] + (flat[i + 1] ? ":" + flat[i + 1] : ""));
    return out;
  }

  // ---- vis-network items -------------------------------------------------
  function visNode(n) {
    var item = { id: n.id, label: (n.findings ? "\u26A0 " : "") + n.notation, group: n.type };
    if (!data.large) {  // a tooltip costs vis-network ~40 us a node; large views show details on click
      var lines = [nodeName(n), n.type + (n.system ? " \u00B7 " + n.system : "")];
      if (n.findings) lines.push("\u26A0 " + n.findings.length + " audit finding" + (n.findings.length === 1 ? "" : "s"));
      item.title = lines.join("\n");
    }
    if (n.x !== undefined) { item.x = n.x; item.y = n.y; }
    if (n.findings) {
      var c = typeStyle[n.type].color;
      item.borderWidth = 4;
      item.color = { background: c, border: data.findingColor, highlight: { background: c, border: data.findingColor } };
    }
    if (n.focus) { item.size = 18; item.font = { size: 16, bold: true }; }
    return item;
  }

  var edgeColors = data.relations.map(function (r) { return { color: r.color, highlight: r.color, hover: r.color, opacity: 0.9 }; });
  function visEdge(e) {
    var s = data.relations[e.rel];
    var src = sourceTexts(e.sources);
    var item = {
      id: e.id, from: e.from, to: e.to, relation: s.relation,
      color: edgeColors[e.rel], width: s.width, dashes: s.dashes,
      title: info[e.from].notation + " \u2014" + s.label + "\u2192 " + info[e.to].notation +
        (e.text ? "\n" + e.text : "") +
        (src.length ? "\n" + src.slice(0, 5).join(", ") + (src.length > 5 ? ", \u2026" : "") : "")
    };
    if (data.edgeLabels) item.label = s.label;
    if (e.curve) item.smooth = { enabled: true, type: e.curve.type, roundness: e.curve.roundness };
    return item;
  }

  /* A large view starts with its best-connected nodes and the edges among them,
     and gets the rest in chunks after the first frame, so that it can be
     panned, zoomed, searched and clicked while they arrive (vis-network spends
     tens of microseconds on each item it holds). Edges are ordered by the later
     of their two ends, so each chunk's edges join nodes already there. */
  var NODE_CHUNK = 1500, EDGE_CHUNK = 3000;
  var progressive = data.large && !data.physics;
  var nodeOrder = info, edgeOrder = data.edges, rank = null;
  var degree = new Int32Array(info.length);
  data.edges.forEach(function (e) { degree[e.from]++; degree[e.to]++; });
  if (progressive) {
    nodeOrder = info.slice().sort(function (a, b) { return degree[b.id] - degree[a.id] || a.id - b.id; });
    rank = new Int32Array(info.length);
    nodeOrder.forEach(function (n, i) { rank[n.id] = i; });
    var later = function (e) { return Math.max(rank[e.from], rank[e.to]); };
    edgeOrder = data.edges.slice().sort(function (a, b) { return later(a) - later(b) || a.id - b.id; });
  }
  var nodesLoaded = 0, edgesLoaded = 0;
  function nextNodes() {
    var end = progressive ? Math.min(nodeOrder.length, nodesLoaded + NODE_CHUNK) : nodeOrder.length;
    var items = nodeOrder.slice(nodesLoaded, end).map(visNode);
    nodesLoaded = end;
    return items;
  }
  function nextEdges() {  // the next chunk of edges whose two ends are loaded
    var end = edgesLoaded;
    if (!progressive) end = edgeOrder.length;
    else {
      var stop = Math.min(edgeOrder.length, edgesLoaded + EDGE_CHUNK);
      while (end < stop && Math.max(rank[edgeOrder[end].from], rank[edgeOrder[end].to]) < nodesLoaded) end++;
    }
    var items = edgeOrder.slice(edgesLoaded, end).map(visEdge);
    edgesLoaded = end;
    return items;
  }
  function complete() { return nodesLoaded === nodeOrder.length && edgesLoaded === edgeOrder.length; }

  var nodes = new vis.DataSet(nextNodes());
  var edges = new vis.DataSet(nextEdges());
  /* A node that only hidden relations connected is hidden with them (the centre, and a node
     that has no edge at all, always stay). */
  var relationsOf = info.map(function () { return []; });
  var edgesOf = info.map(function () { return []; });
  data.edges.forEach(function (e) {
    var r = data.relations[e.rel].relation;
    relationsOf[e.from].push(r); relationsOf[e.to].push(r);
    edgesOf[e.from].push(e.id);
    if (e.to !== e.from) edgesOf[e.to].push(e.id);
  });
  var SOURCES_SHOWN = 200;
  /* a node's own sources, else the documents and lines of all its edges (in view or not), sorted */
  function nodeSources(n) {
    if (n.sources) return { texts: sourceTexts(n.sources), more: n.moreSources || 0 };
    var seen = {}, pairs = [];
    edgesOf[n.id].forEach(function (eid) {
      var f = data.edges[eid].sources;
      for (var i = 0; f && i < f.length; i += 2) {
        var key = f[i] + ":" + f[i + 1];
        if (!seen[key]) { seen[key] = true; pairs.push([data.files[f[i]], f[i + 1]]); }
      }
    });
    pairs.sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]; });
    return { texts: pairs.slice(0, SOURCES_SHOWN).map(function (p) { return p[0] + (p[1] ? ":" + p[1] : ""); }),
             more: Math.max(0, pairs.length - SOURCES_SHOWN) };
  }
  function connected(id) {
    var rels = relationsOf[id];
    if (!rels.length || info[id].focus) return true;
    for (var i = 0; i < rels.length; i++) if (shownRelations[rels[i]] === true) return true;
    return false;
  }
  var nodeView = new vis.DataView(nodes, { filter: function (n) { return shownTypes[n.group] === true && connected(n.id); } });
  var edgeView = new vis.DataView(edges, {
    filter: function (e) {
      return shownRelations[e.relation] === true && shownTypes[info[e.from].type] === true && shownTypes[info[e.to].type] === true;
    }
  });
  timings.itemsMade = performance.now();

  var options = data.options;  // computed by kg (kg.view.page.vis_options), shared with View.to_pyvis()

  var container = document.getElementById("kg-graph");
  var network = new vis.Network(container, { nodes: [], edges: [] }, options);
  window.kgNetwork = network;
  window.kgView = { nodes: nodes, edges: edges, nodeView: nodeView, edgeView: edgeView, data: data };
  window.kgReady = false;     // the first frame is drawn: the page answers input
  window.kgComplete = false;  // and vis-network holds every node and edge
  window.kgSettled = !data.physics;  // and nothing moves any more

  /* vis-network 9.1.2 draws every edge and arrow head on every frame, even off
     screen, and each node and label with many canvas state changes: tens of
     microseconds an item, so a 10,000-node frame took most of a second. A large
     view draws itself instead, level of detail by zoom: only what is on screen,
     one canvas path per colour and style (nodes of one type, edges of one
     relation, arrow heads of one colour), arrow heads once they are a few pixels
     long (ARROW_PX), and labels once they are readable (LABEL_PX) and at most
     LABELS of them (the best-connected first). Selected and hovered items and
     audit findings are drawn by vis-network, in full. */
  function drawLarge(net, degree) {
    var r = net.renderer;
    if (!r || typeof r._drawNodes !== "function" || typeof r._drawEdges !== "function" ||
        typeof r._drawArrows !== "function" || !net.canvas) return;
    var PAD = 40, TAU = 2 * Math.PI, LABEL_PX = 7, ARROW_PX = 4, LABELS = 600, DASHED = 600;
    var font = options.nodes.font;
    var frame = null;  // what this frame draws, found by the first of the three draws; net.kgFrame for the tests
    net.body.emitter.on("initRedraw", function () { frame = null; });
    function area() {
      var c = net.canvas.frame.canvas;
      var a = net.canvas.DOMtoCanvas({ x: -PAD, y: -PAD });
      var b = net.canvas.DOMtoCanvas({ x: c.clientWidth + PAD, y: c.clientHeight + PAD });
      return { left: a.x, top: a.y, right: b.x, bottom: b.y };
    }
    function clip(f, t, box) {  // the part of the segment f-t inside the box (Liang-Barsky), or null
      var dx = t.x - f.x, dy = t.y - f.y, lo = 0, hi = 1;
      var p = [-dx, dx, -dy, dy], q = [f.x - box.left, box.right - f.x, f.y - box.top, box.bottom - f.y];
      for (var k = 0; k < 4; k++) {
        if (p[k] === 0) { if (q[k] < 0) return null; continue; }
        var u = q[k] / p[k];
        if (p[k] < 0) { if (u > hi) return null; if (u > lo) lo = u; }
        else { if (u < lo) return null; if (u < hi) hi = u; }
      }
      return [f.x + lo * dx, f.y + lo * dy, f.x + hi * dx, f.y + hi * dy];
    }
    function begin() {
      var scale = net.body.view.scale, box = area(), all = net.body.edges, ids = net.body.edgeIndices;
      var edges = [], parts = [], full = [];
      for (var i = 0; i < ids.length; i++) {
        var e = all[ids[i]];
        if (e.connected !== true) continue;
        var f = e.from, t = e.to;
        if ((f.x > t.x ? f.x : t.x) < box.left || (f.x < t.x ? f.x : t.x) > box.right ||
            (f.y > t.y ? f.y : t.y) < box.top || (f.y < t.y ? f.y : t.y) > box.bottom) continue;
        if (e.selected || e.hover) { full.push(e); continue; }
        /* a straight edge is drawn only where it crosses the screen: a long dashed line is thousands of dashes */
        var part = e.options.smooth && e.options.smooth.enabled ? [f.x, f.y, t.x, t.y] : clip(f, t, box);
        if (part) { edges.push(e); parts.push(part); }
      }
      frame = net.kgFrame = { scale: scale, box: box, edges: edges, parts: parts, full: full, nodes: 0, labels: 0, arrows: 0 };
      return frame;
    }
    function via(e) {  // a curved (parallel) edge's control point, as vis-network computes it
      var o = e.options.smooth;
      if (!o || o.enabled !== true || !e.edgeType || typeof e.edgeType._getViaCoordinates !== "function") return null;
      return e.edgeType._getViaCoordinates();
    }
    r._drawEdges = function (ctx) {
      var f = frame || begin(), groups = {}, keys = [];
      var detailed = f.scale * 10 >= ARROW_PX, dashed = detailed && f.edges.length <= DASHED;
      f.edges.forEach(function (e, i) {
        var o = e.options, dashes = dashed ? (o.dashes === true ? [5, 5] : o.dashes || null) : null;
        var key = o.color.color + "|" + o.width + "|" + (dashes ? dashes.join(",") : "");
        if (!groups[key]) { groups[key] = { color: o.color.color, width: o.width, dashes: dashes, items: [] }; keys.push(key); }
        groups[key].items.push(i);
      });
      /* hairlines while zoomed out: a wide stroke of one long path is slow to fill */
      var hair = 1 / f.scale;
      keys.forEach(function (key) {
        var g = groups[key];
        ctx.beginPath();
        g.items.forEach(function (i) {
          var e = f.edges[i], p = f.parts[i], v = detailed ? via(e) : null;
          ctx.moveTo(p[0], p[1]);
          if (v) ctx.quadraticCurveTo(v.x, v.y, p[2], p[3]); else ctx.lineTo(p[2], p[3]);
        });
        ctx.setLineDash(g.dashes || []);
        ctx.lineWidth = Math.min(g.width, hair);
        ctx.strokeStyle = g.color;
        ctx.stroke();
      });
      ctx.setLineDash([]);
      f.full.forEach(function (e) { e.draw(ctx); });
    };
    r._drawArrows = function (ctx) {
      var f = frame || begin(), byColour = {}, keys = [];
      f.full.forEach(function (e) { e.drawArrows(ctx); });
      if (f.scale * 10 < ARROW_PX) return;
      f.edges.forEach(function (e) {
        if (!e.options.arrows.to.enabled) return;
        f.arrows++;
        var c = e.options.color.color;
        if (!byColour[c]) { byColour[c] = []; keys.push(c); }
        byColour[c].push(e);
      });
      keys.forEach(function (c) {
        ctx.beginPath();
        byColour[c].forEach(function (e) {
          var t = e.to, v = via(e) || e.from, dx = t.x - v.x, dy = t.y - v.y, d = Math.sqrt(dx * dx + dy * dy);
          if (d < 1e-6) return;
          dx /= d; dy /= d;
          var len = 15 * e.options.arrows.to.scaleFactor + 3 * e.options.width, back = t.options.size + 1;
          var x = t.x - dx * back, y = t.y - dy * back, bx = x - dx * len, by = y - dy * len, w = 0.3 * len;
          ctx.moveTo(x, y); ctx.lineTo(bx - dy * w, by + dx * w); ctx.lineTo(bx + dy * w, by - dx * w);
        });
        ctx.fillStyle = c;
        ctx.fill();
      });
    };
    /* vis-network's own shape paths, for a batch of one type; fill() closes each one (closePath on a long
       path costs Chromium time in proportion to the path) */
    var SHAPES = {
      dot: function (ctx, x, y, s) { ctx.moveTo(x + s, y); ctx.arc(x, y, s, 0, TAU); },
      square: function (ctx, x, y, s) { ctx.rect(x - s, y - s, 2 * s, 2 * s); },
      diamond: function (ctx, x, y, s) { ctx.moveTo(x, y + s); ctx.lineTo(x + s, y); ctx.lineTo(x, y - s); ctx.lineTo(x - s, y); },
      hexagon: function (ctx, x, y, s) {
        ctx.moveTo(x + s, y);
        for (var k = 1; k < 6; k++) ctx.lineTo(x + s * Math.cos(TAU * k / 6), y + s * Math.sin(TAU * k / 6));
      },
      star: function (ctx, x, y, s) {
        s *= 0.82; y += 0.1 * s;
        for (var k = 0; k < 10; k++) {
          var q = k % 2 === 0 ? 1.3 * s : 0.5 * s;
          ctx[k ? "lineTo" : "moveTo"](x + q * Math.sin(2 * k * Math.PI / 10), y - q * Math.cos(2 * k * Math.PI / 10));
        }
      },
      triangle: function (ctx, x, y, s) { tri(ctx, x, y, s, 1); },
      triangleDown: function (ctx, x, y, s) { tri(ctx, x, y, s, -1); }
    };
    function tri(ctx, x, y, s, up) {
      s *= 1.15; y += up * 0.275 * s;
      var a = 2 * s, h = a / 2, lo = Math.sqrt(3) / 6 * a, hi = Math.sqrt(a * a - h * h) - lo;
      ctx.moveTo(x, y - up * hi); ctx.lineTo(x + h, y + up * lo); ctx.lineTo(x - h, y + up * lo);
    }
    r._drawNodes = function (ctx, alwaysShow) {
      var f = frame || begin();
      var all = net.body.nodes, ids = net.body.nodeIndices, box = f.box, groups = {}, keys = [], full = [], shown = [];
      var least = 1.5 / f.scale;  // keep a node visible however far out
      for (var i = 0; i < ids.length; i++) {
        var n = all[ids[i]], s = n.options.size, sh = n.shape;
        if (n.selected || n.hover || n.options.borderWidth > 2 || info[n.id].focus || !SHAPES[n.options.shape] || alwaysShow) { full.push(n); continue; }
        sh.left = n.x - s; sh.top = n.y - s; sh.width = sh.height = 2 * s;  // what vis-network's hit tests read
        if (n.x + s < box.left || n.x - s > box.right || n.y + s < box.top || n.y - s > box.bottom) continue;
        var key = n.options.shape + "|" + n.options.color.background;
        if (!groups[key]) { groups[key] = { shape: SHAPES[n.options.shape], color: n.options.color.background, items: [] }; keys.push(key); }
        groups[key].items.push(n);
        shown.push(n);
      }
      var drawnNodes = shown.length;
      keys.forEach(function (key) {
        var g = groups[key];
        ctx.beginPath();
        g.items.forEach(function (n) { g.shape(ctx, n.x, n.y, Math.max(n.options.size, least)); });
        ctx.fillStyle = g.color;
        ctx.fill();
      });
      var later = [];
      full.forEach(function (n) {
        var drawn = n.draw(ctx);
        if (drawn && drawn.drawExternalLabel) later.push(drawn.drawExternalLabel);
      });
      var size = font.size, labelled = 0;
      if (size * f.scale >= LABEL_PX && shown.length) {
        if (shown.length > LABELS) shown = shown.slice().sort(function (a, b) { return degree[b.id] - degree[a.id]; }).slice(0, LABELS);
        labelled = shown.length;
        later.push(function () {
          ctx.font = size + "px " + font.face;
          ctx.textAlign = "center";
          ctx.textBaseline = "top";
          ctx.lineJoin = "round";
          ctx.lineWidth = font.strokeWidth;
          ctx.strokeStyle = font.strokeColor;
          ctx.fillStyle = font.color;
          shown.forEach(function (n) { ctx.strokeText(n.options.label, n.x, n.y + n.options.size + 2); });
          shown.forEach(function (n) { ctx.fillText(n.options.label, n.x, n.y + n.options.size + 2); });
        });
      }
      f.nodes = drawnNodes;
      f.labels = labelled;
      return { drawExternalLabels: function () { later.forEach(function (draw) { draw(); }); } };
    };
  }

  /* With physics off, vis-network redraws synchronously on every data change;
     batch the changes and draw once, on the next animation frame. */
  function quietly(change) {
    network.body.emitter.emit("_blockRedraw");
    try { change(); } finally { network.body.emitter.emit("_allowRedraw"); }
    network.body.emitter.emit("_requestRedraw");
  }

  var loading = null;
  var stabilizing = data.physics;
  network.once("stabilizationIterationsDone", function () { stabilizing = false; network.fit({ maxZoomLevel: 1.6 }); });
  var touched = false;  // once the reader pans, zooms or drags, the view is theirs
  ["dragStart", "zoom", "selectNode"].forEach(function (ev) { network.on(ev, function () { touched = true; }); });
  network.on("stabilized", function () {
    if (!window.kgSettled && !touched) network.fit({ maxZoomLevel: 1.6 });  // the settled graph is smaller than the stabilised one
    window.kgSettled = true;
  });
  network.on("afterDrawing", function () {
    if (!window.kgReady && !stabilizing) {
      window.kgReady = true;
      window.kgReadyAt = timings.firstDraw = performance.now();
      loading = setTimeout(loadMore, 0);
    }
  });

  function loadMore(all) {
    quietly(function () {
      do {
        nodes.add(nextNodes());
        edges.add(nextEdges());
      } while (all === true && !complete());
    });
    if (!complete()) {
      showCounts("loading\u2026");
      loading = setTimeout(loadMore, 30);  // let the page draw and answer input between chunks
      return;
    }
    loading = null;
    showCounts();
    window.kgComplete = true;
    window.kgCompleteAt = timings.complete = performance.now();
  }
  function loadAll() {  // a search may look for a node still to come
    if (loading !== null) { clearTimeout(loading); loadMore(true); }
  }

  function fitAll() {  // vis-network fits the nodes it holds; fit them all, loaded or not
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    info.forEach(function (n) {
      if (n.x < x0) x0 = n.x;
      if (n.x > x1) x1 = n.x;
      if (n.y < y0) y0 = n.y;
      if (n.y > y1) y1 = n.y;
    });
    var w = container.clientWidth || 800, h = container.clientHeight || 600;
    network.moveTo({ position: { x: (x0 + x1) / 2, y: (y0 + y1) / 2 },
                     scale: 0.95 * Math.min(w / (x1 - x0 + 50), h / (y1 - y0 + 50)) });
  }

  if (data.large) drawLarge(network, degree);
  timings.networkCreated = performance.now();
  quietly(function () { network.setData({ nodes: nodeView, edges: edgeView }); });
  timings.dataSet = performance.now();
  if (!complete() && data.positioned) fitAll();

  // ---- status line -------------------------------------------------------
  var status = document.getElementById("kg-status");
  function showCounts(extra, warn) {
    var text = nodeView.length + " of " + info.length + " nodes, " + edgeView.length + " of " + data.edges.length + " edges";
    status.textContent = extra ? extra + " \u00B7 " + text : text;
    status.className = warn ? "kg-warn" : "";
  }

  // ---- legend and filters ------------------------------------------------
  function checkbox(box, value, onChange, symbol, text, count, id, checked, className) {
    var label = el("label", null, className);
    var input = el("input");
    input.type = "checkbox";
    input.checked = checked !== false;
    input.value = value;
    input.id = id;
    input.addEventListener("change", function () { onChange(input.checked); });
    label.appendChild(input);
    label.appendChild(symbol);
    label.appendChild(el("span", text));
    label.appendChild(el("span", count, "kg-count"));
    box.appendChild(label);
    return input;
  }
  function refilter() {
    var before = nodeView.length;
    quietly(function () { nodeView.refresh(); edgeView.refresh(); });
    if (data.physics && nodeView.length > before) window.kgSettled = false;  // the new nodes find their places
    showCounts(loading !== null ? "loading\u2026" : "");
  }

  function typeBoxOf(t) {
    var sym = el("span", SYMBOLS[t.shape] || "\u25CF", "kg-symbol");
    sym.style.color = t.color;
    return sym;
  }
  var typeBox = document.getElementById("kg-node-types");
  var attrBox = document.getElementById("kg-attribute-types");
  var attributeTypes = data.nodeTypes.filter(function (t) { return t.attribute; });
  data.nodeTypes.forEach(function (t) {
    if (t.attribute) return;
    checkbox(typeBox, t.type, function (on) { shownTypes[t.type] = on; refilter(); },
             typeBoxOf(t), t.type, t.count, "kg-type-" + t.type, t.shown);
  });
  if (attributeTypes.length) {
    /* modifiers, specialties, payers and sites are listed in their code's details panel;
       this switch (or one type's box) draws them as nodes */
    var inputs = [];
    var all = checkbox(attrBox, "attributes", function (on) {
      attributeTypes.forEach(function (t) { shownTypes[t.type] = on; });
      inputs.forEach(function (i) { i.checked = on; });
      refilter();
    }, el("span", "\u2699", "kg-symbol"), "draw as nodes", "", "kg-attribute-nodes",
       attributeTypes.every(function (t) { return t.shown; }));
    attributeTypes.forEach(function (t) {
      inputs.push(checkbox(attrBox, t.type, function (on) {
        shownTypes[t.type] = on;
        all.checked = attributeTypes.every(function (x) { return shownTypes[x.type]; });
        refilter();
      }, typeBoxOf(t), t.type, t.count, "kg-type-" + t.type, t.shown, "kg-indent"));
    });
  } else attrBox.hidden = true;
  var relBox = document.getElementById("kg-relations");
  data.layers.forEach(function (layer) {
    /* one group per layer (briefings, NCCI edits, hierarchies...): its box turns all its relations on or off */
    var group = el("div", null, "kg-layer");
    group.id = "kg-layer-group-" + layer.layer;
    relBox.appendChild(group);
    var boxes = [];
    var total = layer.relations.reduce(function (sum, i) { return sum + data.relations[i].count; }, 0);
    var head = checkbox(group, layer.layer, function (on) {
      layer.relations.forEach(function (i) { shownRelations[data.relations[i].relation] = on; });
      boxes.forEach(function (b) { b.checked = on; });
      refilter();
    }, el("span", null, "kg-symbol"), layer.label, total, "kg-layer-" + layer.layer, true, "kg-layer-head");
    layer.relations.forEach(function (i) {
      var r = data.relations[i];
      var line = el("span", null, "kg-line");
      line.style.borderTopColor = r.color;
      line.style.borderTopStyle = r.dashes ? "dashed" : "solid";
      var input = checkbox(group, r.relation, function (on) {
        shownRelations[r.relation] = on;
        head.checked = layer.relations.some(function (j) { return shownRelations[data.relations[j].relation]; });
        refilter();
      }, line, r.label, r.count, "kg-relation-" + r.relation, true, "kg-indent");
      input.parentNode.title = r.relation;
      boxes.push(input);
    });
  });
  var notes = [];
  if (info.some(function (n) { return n.findings; })) notes.push("\u26A0 red ring: audit finding.");
  notes.push("Arrows point in the relation's direction.");
  notes.push(data.physics ? "Physics on: drag nodes to rearrange." : "Fixed layout computed by kg; physics off.");
  if (data.large) notes.push("Zoom in for labels and arrows.");
  if (attributeTypes.length && !attributeTypes.every(function (t) { return t.shown; }))
    notes.push("Modifiers, specialties, payers and sites are listed in a code's details (click it).");
  document.getElementById("kg-notes").textContent = notes.join(" ");

  // ---- details panel -----------------------------------------------------
  var panel = document.getElementById("kg-details");
  var body = document.getElementById("kg-details-body");

  function list(title, items, text) {
    if (!items || !items.length) return;
    body.appendChild(el("h3", title));
    var ul = el("ul");
    items.forEach(function (it) { ul.appendChild(el("li", text ? text(it) : it)); });
    body.appendChild(ul);
  }
  function facts(pairs) {
    var dl = el("dl");
    pairs.forEach(function (kv) { dl.appendChild(el("dt", kv[0])); dl.appendChild(el("dd", kv[1])); });
    body.appendChild(dl);
  }

  function showNode(id) {
    var n = info[id];
    if (!n) return;
    body.replaceChildren();
    body.appendChild(el("h2", n.notation, "kg-notation"));
    if (n.label) body.appendChild(el("p", n.label, "kg-label"));
    facts([["type", n.type], ["code system", n.system || "\u2014"], ["IRI", n.iri]]);
    if (n.findings) {
      body.appendChild(el("h3", "Audit findings"));
      var ul = el("ul");
      n.findings.forEach(function (f) {
        var li = el("li", null, "kg-finding");
        li.appendChild(el("b", (f.severity ? f.severity + " " : "") + f.kind));
        li.appendChild(document.createTextNode(" " + f.message));
        ul.appendChild(li);
      });
      body.appendChild(ul);
    }
    if (n.more) body.appendChild(el("p", n.more + " more code" + (n.more === 1 ? "" : "s") + " not drawn here.", "kg-more"));
    (n.attributes || []).forEach(function (a) { list(a[0] + " (" + a[1].length + ")", a[1]); });
    var srcs = nodeSources(n);
    list("Documents and lines", srcs.texts);
    if (srcs.more) body.appendChild(el("p", "\u2026 and " + srcs.more + " more"));
    list("Properties", n.properties, function (p) { return p[0] + ": " + p[1]; });
    list("Edges in view", network.getConnectedEdges(id), function (eid) {
      var e = data.edges[eid], rel = data.relations[e.rel].label;
      return e.from === id ? "\u2192 " + rel + " " + info[e.to].notation : "\u2190 " + rel + " from " + info[e.from].notation;
    });
    panel.hidden = false;
  }

  function showEdge(id) {
    var e = data.edges[id];
    if (!e) return;
    body.replaceChildren();
    var r = data.relations[e.rel];
    body.appendChild(el("h2", r.label, "kg-notation"));
    facts([["from", nodeName(info[e.from])], ["to", nodeName(info[e.to])], ["relation", r.relation],
           ["layer", r.layer]]);
    if (e.text) body.appendChild(el("p", e.text, "kg-label"));
    list("Documents and lines", sourceTexts(e.sources));
    panel.hidden = false;
  }

  function hidePanel() { panel.hidden = true; body.replaceChildren(); }
  document.getElementById("kg-details-close").addEventListener("click", function () {
    hidePanel();
    network.unselectAll();
  });
  network.on("click", function (params) {
    if (params.nodes.length) showNode(params.nodes[0]);
    else if (params.edges.length) showEdge(params.edges[0]);
    else hidePanel();
  });

  // ---- search ------------------------------------------------------------
  function find(query) {
    var q = query.trim().toLowerCase(), i;
    if (!q) return null;
    var bare = q.replace(/\./g, "");
    for (i = 0; i < info.length; i++) {
      var notation = info[i].notation.toLowerCase();
      if (notation === q || notation.replace(/\./g, "") === bare) return i;
    }
    for (i = 0; i < info.length; i++) if (info[i].notation.toLowerCase().indexOf(q) === 0) return i;
    for (i = 0; i < info.length; i++) if (info[i].label.toLowerCase().indexOf(q) >= 0) return i;
    return null;
  }
  if (info.length <= 5000) {
    var options_ = document.getElementById("kg-codes");
    info.forEach(function (n) {
      var o = document.createElement("option");
      o.value = n.notation;
      if (n.label) o.label = n.label;
      options_.appendChild(o);
    });
  }
  document.getElementById("kg-search-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var query = document.getElementById("kg-search").value;
    var id = find(query);
    if (id === null) { showCounts("no code matches \u201C" + query.trim() + "\u201D", true); return; }
    var n = info[id];
    if (!shownTypes[n.type]) {
      if (!typeStyle[n.type].attribute) { showCounts(n.notation + " is hidden: tick \u201C" + n.type + "\u201D", true); return; }
      shownTypes[n.type] = true;  // a modifier, payer... searched for: draw its type
      document.getElementById("kg-type-" + n.type).checked = true;
      refilter();
    }
    loadAll();
    network.selectNodes([id]);
    network.focus(id, { scale: Math.max(network.getScale(), 1.2), animation: { duration: 300, easingFunction: "easeInOutQuad" } });
    showNode(id);
    showCounts("found " + n.notation);
  });

  showCounts(complete() ? "" : "loading\u2026");
})();
