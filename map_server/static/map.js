/* Public outage map: draws /oapi items on Leaflet, keeps the list in step, refreshes
   every minute without reloading, and answers "is my address affected?". */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("map-config").textContent);
  var t = config.strings;
  var COLOURS = { water: "#1565c0", district_heating: "#c62828", electricity: "#e65100" };
  var LOCALES = { fi: "fi-FI", sv: "sv-FI", en: "en-GB" };
  var locale = LOCALES[config.language] || config.language;
  var timeFormat = new Intl.DateTimeFormat(locale, {
    timeZone: config.timezone, day: "numeric", month: "numeric", year: "numeric",
    hour: "2-digit", minute: "2-digit"
  });
  var clockFormat = new Intl.DateTimeFormat(locale, {
    timeZone: config.timezone, hour: "2-digit", minute: "2-digit", second: "2-digit"
  });

  function when(iso) { return iso ? timeFormat.format(new Date(iso)) : "–"; }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function timeEl(iso) {
    return iso ? el("time", { datetime: iso }, [when(iso)]) : t.unknown;
  }

  // ---- map ----
  var map = L.map("map", { zoomControl: true, keyboard: true })
    .setView(config.center, config.zoom);
  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: 19 }).addTo(map);
  }
  var layer = L.geoJSON(null, { style: style, onEachFeature: bindPopup }).addTo(map);
  var layersById = {};
  var fitted = false;

  function style(feature) {
    var p = feature.properties, planned = p.kind === "planned";
    return {
      color: COLOURS[p.service] || "#444", weight: planned ? 2 : 3,
      dashArray: planned ? "6 4" : null, fillOpacity: planned ? 0.15 : 0.35,
      className: "outage outage-" + feature.id + " service-" + p.service + " kind-" + p.kind
    };
  }

  function popupContent(feature) {
    var p = feature.properties;
    var rows = [
      [t.kind, t[p.kind]], [t.starts_at, when(p.starts_at)],
      [t.estimated_end_at, p.estimated_end_at ? when(p.estimated_end_at) : t.unknown],
      [t.cause, p.cause || "–"], [t.customers, String(p.customers)],
      [t.updated_at, when(p.updated_at)]
    ];
    if (p.ended_at) rows.splice(3, 0, [t.ended_at, when(p.ended_at)]);
    var dl = el("dl");
    rows.forEach(function (r) { dl.appendChild(el("dt", {}, [r[0]])); dl.appendChild(el("dd", {}, [r[1]])); });
    return el("div", { "class": "outage-popup", "data-outage-id": String(feature.id) }, [
      el("h3", {}, [t[p.service] + (p.area_description ? ": " + p.area_description : "")]), dl
    ]);
  }

  function bindPopup(feature, featureLayer) {
    featureLayer.bindPopup(function () { return popupContent(feature); });
    layersById[feature.id] = featureLayer;
  }

  function showOnMap(id) {
    var target = layersById[id];
    if (!target) return;
    map.fitBounds(target.getBounds(), { maxZoom: 16 });
    target.openPopup();
    document.getElementById("map").scrollIntoView({ block: "nearest" });
  }

  // ---- list ----
  function row(feature) {
    var p = feature.properties;
    var button = el("button", { type: "button", "class": "show-on-map" }, [t.show_on_map]);
    button.addEventListener("click", function () { showOnMap(feature.id); });
    var head = el("th", { scope: "row" }, [
      el("span", { "class": "swatch " + p.service + " " + p.kind, "aria-hidden": "true" }),
      t[p.service]
    ]);
    if (feature.geometry) head.appendChild(button);
    function cell(label, content) { return el("td", { "data-label": label }, [content]); }
    return el("tr", { "data-outage-id": String(feature.id), "data-service": p.service, "data-kind": p.kind }, [
      head, cell(t.kind, t[p.kind]), cell(t.area, p.area_description || "–"),
      cell(t.starts_at, timeEl(p.starts_at)), cell(t.estimated_end_at, timeEl(p.estimated_end_at)),
      cell(t.cause, p.cause || "–"), cell(t.customers, String(p.customers)),
      cell(t.updated_at, timeEl(p.updated_at))
    ]);
  }

  function render(features) {
    layer.clearLayers();
    layersById = {};
    features.forEach(function (f) { if (f.geometry) layer.addData(f); });
    var tbody = document.getElementById("outage-rows");
    tbody.replaceChildren.apply(tbody, features.map(row));
    document.getElementById("outage-count").textContent = t.count.replace("{n}", features.length);
    document.getElementById("no-outages").hidden = features.length > 0;
    if (!fitted && features.some(function (f) { return f.geometry; })) {
      map.fitBounds(layer.getBounds(), { maxZoom: 15, padding: [20, 20] });
      fitted = true;
    }
  }

  // ---- refresh ----
  function fetchAll(url, features) {
    // no-cache: always ask the server (max-age would hide a publish for 15 s), which
    // answers an unchanged If-None-Match with a cheap 304.
    var options = { cache: "no-cache", headers: { Accept: "application/geo+json" } };
    return fetch(url, options).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (page) {
      features = features.concat(page.features || []);
      var next = (page.links || []).filter(function (l) { return l.rel === "next"; })[0];
      return next && page.features.length ? fetchAll(next.href, features) : features;
    });
  }

  var status = document.getElementById("status-message");
  function refresh() {
    return fetchAll(config.itemsUrl, []).then(function (features) {
      render(features);
      var now = new Date();
      var stamp = document.getElementById("last-updated");
      stamp.setAttribute("datetime", now.toISOString());
      stamp.textContent = clockFormat.format(now);
      status.textContent = "";
      document.body.setAttribute("data-loaded", "true");
    }).catch(function () { status.textContent = t.error; });
  }
  refresh();
  setInterval(refresh, config.refreshSeconds * 1000);
  // For tests and embedding pages: refresh at once instead of waiting for the minute.
  window.gisOutageMap = { map: map, refresh: refresh };
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });

  // ---- address search (ARIA 1.2 combobox with a listbox popup) ----
  var input = document.getElementById("address-input");
  var listbox = document.getElementById("address-suggestions");
  var result = document.getElementById("address-result");
  var weeks = document.getElementById("weeks-select");
  var options = [], active = -1, chosen = null, timer = null, seq = 0, pending = false;

  function setExpanded(open) {
    listbox.hidden = !open;
    input.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) { active = -1; input.removeAttribute("aria-activedescendant"); }
  }

  function highlight(index) {
    active = index;
    Array.prototype.forEach.call(listbox.children, function (li, i) {
      li.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", "address-option-" + index);
      listbox.children[index].scrollIntoView({ block: "nearest" });
    }
  }

  function choose(index) {
    chosen = options[index];
    input.value = chosen.label;
    setExpanded(false);
  }

  function suggest() {
    var q = input.value.trim(), mine = ++seq;
    chosen = null;
    if (q.length < 2) { pending = false; setExpanded(false); return; }
    fetch(config.lookupUrl + "addresses?limit=10&q=" + encodeURIComponent(q)).then(function (r) {
      return r.ok ? r.json() : { addresses: [] };
    }).then(function (data) {
      if (mine !== seq) return; // an older answer arriving late
      pending = false;
      options = data.addresses;
      listbox.replaceChildren.apply(listbox, options.map(function (a, i) {
        var li = el("li", { id: "address-option-" + i, role: "option", "aria-selected": "false",
                            "data-address-id": a.id }, [a.label]);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
        return li;
      }));
      setExpanded(options.length > 0);
    }).catch(function () { if (mine === seq) pending = false; });
  }

  input.addEventListener("input", function () {
    // The suggestions were for the text before this edit: drop them at once, so arrow
    // keys, Enter and submit never pick an address for text no longer in the box.
    chosen = null; options = []; ++seq; pending = true;
    listbox.replaceChildren();
    setExpanded(false);
    clearTimeout(timer); timer = setTimeout(suggest, 200);
  });
  input.addEventListener("keydown", function (e) {
    var open = !listbox.hidden && options.length;
    if (e.key === "ArrowDown" && options.length) {
      e.preventDefault(); setExpanded(true); highlight(Math.min(active + 1, options.length - 1));
    } else if (e.key === "ArrowUp" && open) {
      e.preventDefault(); highlight(Math.max(active - 1, 0));
    } else if (e.key === "Enter" && open && active >= 0) {
      e.preventDefault(); choose(active);
    } else if (e.key === "Escape") {
      setExpanded(false);
    }
  });
  input.addEventListener("blur", function () { setExpanded(false); });

  document.getElementById("address-search").addEventListener("submit", function (e) {
    e.preventDefault();
    if (!chosen && options.length === 1) choose(0);
    if (!chosen) {
      showResult(null, options.length || pending ? t.pick_address : t.no_addresses);
      return;
    }
    var url = config.lookupUrl + "status?address_id=" + encodeURIComponent(chosen.id) +
      "&weeks=" + encodeURIComponent(weeks.value);
    fetch(url).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    }).then(showStatus).catch(function () { showResult(null, t.error); });
  });

  function showResult(kind, message, items) {
    result.className = kind || "";
    result.replaceChildren(el("p", { id: "address-result-text" }, [message]));
    if (items && items.length) result.appendChild(el("ul", { id: "address-result-outages" }, items));
  }

  function showStatus(data) {
    var message = data.affected_now ? t.affected_now
      : data.planned ? t.affected_planned : t.not_affected;
    if (data.affected_now && data.planned) message += " " + t.affected_planned;
    message = data.address.label + ": " + message.replace(/\{weeks\}/g, data.weeks);
    var items = data.outages.map(function (o) {
      var li = el("li", { "data-outage-id": String(o.id) }, [
        t[o.service] + ", " + t[o.kind].toLowerCase() + ": " + when(o.starts_at) + " – " +
        (o.ended_at || o.estimated_end_at ? when(o.ended_at || o.estimated_end_at) : t.unknown) +
        (o.cause ? " (" + o.cause + ")" : "")
      ]);
      if (layersById[o.id]) {
        var button = el("button", { type: "button", "class": "show-on-map" }, [t.show_on_map]);
        button.addEventListener("click", function () { showOnMap(o.id); });
        li.appendChild(document.createTextNode(" "));
        li.appendChild(button);
      }
      return li;
    });
    showResult(data.affected_now || data.planned ? "affected" : "clear", message, items);
    if (data.address.lat !== null) {
      map.setView([data.address.lat, data.address.lon], Math.max(map.getZoom(), 15));
    }
  }
}());
