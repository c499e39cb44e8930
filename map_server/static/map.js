/* Public outage map: the base map from our own origin, the outages drawn on it and kept
   in step with the list, a summary, filters, and the outage a message linked to
   (?outage=N) opened and highlighted. Refreshes every minute without reloading. */
(function () {
  "use strict";

  var config = JSON.parse(document.body.dataset.config);
  var t = config.strings;
  var SERVICES = ["water", "district_heating", "electricity"];
  var LOCALES = { fi: "fi-FI", sv: "sv-FI", en: "en-GB", lt: "lt-LT" };
  var locale = LOCALES[config.language] || config.language;
  var timeFormat = new Intl.DateTimeFormat(locale, {
    timeZone: config.timezone, day: "numeric", month: "numeric", year: "numeric",
    hour: "2-digit", minute: "2-digit"
  });
  var clockFormat = new Intl.DateTimeFormat(locale, {
    timeZone: config.timezone, hour: "2-digit", minute: "2-digit", second: "2-digit"
  });
  // The service colours of map.css, read once so the map and the legend agree.
  var styles = getComputedStyle(document.documentElement);
  var COLOURS = {};
  SERVICES.forEach(function (s) { COLOURS[s] = styles.getPropertyValue("--" + s).trim(); });
  var ENDED = styles.getPropertyValue("--ended").trim() || "#5f6368";
  // Water-quality notices (boil water, do not drink): the water still runs, so they are
  // drawn in their own colour and a dash-dot line, not as a supply cut.
  var NOTICE = styles.getPropertyValue("--water_notice").trim() || "#00704a";
  var NOTICES = config.notices || [];

  function when(iso) { return iso ? timeFormat.format(new Date(iso)) : "–"; }
  function fill(text, values) {
    return Object.keys(values).reduce(function (out, k) {
      return out.split("{" + k + "}").join(values[k]);
    }, text);
  }

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

  function ended(p) { return p.status === "resolved" || p.status === "cancelled"; }

  function statusText(p) {
    if (p.status === "resolved") return fill(t.restored_at, { when: when(p.ended_at) });
    if (p.status === "cancelled") return fill(t.cancelled_at, { when: when(p.updated_at) });
    return t[p.kind];
  }

  // ---- map ----
  var map = L.map("map", { zoomControl: false, keyboard: true })
    .setView(config.center, config.zoom);
  L.control.zoom({ zoomInTitle: t.zoom_in, zoomOutTitle: t.zoom_out }).addTo(map);
  if (config.tileUrl) {
    // A utility's own WMTS/XYZ layer.
    L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: 19 }).addTo(map);
  } else if (config.basemapUrl && window.protomapsL) {
    // Our own vector base map: one PMTiles file, read with HTTP range requests.
    protomapsL.leafletLayer({
      url: config.basemapUrl, flavor: "light", lang: config.language,
      attribution: config.basemapAttribution, maxDataZoom: 16, maxZoom: 19
    }).addTo(map);
    document.getElementById("map").classList.add("has-basemap");
  }
  var layer = L.geoJSON(null, { style: style, onEachFeature: bindPopup }).addTo(map);
  var layersById = {};
  var features = [];
  var fitted = false;
  var focusDone = false;

  function style(feature) {
    var p = feature.properties, planned = p.kind === "planned", over = ended(p);
    var notice = NOTICES.indexOf(p.kind) >= 0;
    return {
      color: over ? ENDED : notice ? NOTICE : (COLOURS[p.service] || "#444"),
      weight: planned || over ? 2 : 3,
      dashArray: over ? "2 5" : notice ? "10 4 2 4" : planned ? "7 4" : null,
      fillOpacity: over ? 0.08 : planned ? 0.15 : notice ? 0.25 : 0.3,
      className: "outage outage-" + feature.id + " service-" + p.service + " kind-" + p.kind +
        " status-" + p.status
    };
  }

  function popupContent(feature) {
    var p = feature.properties;
    var rows = [
      [t.status, statusText(p)], [t.starts_at, when(p.starts_at)],
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
    // The pop-up stays inside the map: scrolls when taller, pans clear of the edges.
    var room = Math.max(120, document.getElementById("map").clientHeight - 90);
    featureLayer.bindPopup(function () { return popupContent(feature); }, {
      maxHeight: room, autoPanPadding: [16, 16], keepInView: true
    });
    layersById[feature.id] = featureLayer;
  }

  map.on("popupopen", function (e) {
    // Leaflet's close button speaks English: say it in the page's language.
    var close = e.popup.getElement().querySelector(".leaflet-popup-close-button");
    if (close) { close.setAttribute("aria-label", t.close); close.setAttribute("title", t.close); }
  });

  function highlightRow(id) {
    Array.prototype.forEach.call(document.querySelectorAll("#outage-rows tr"), function (tr) {
      var mine = tr.dataset.outageId === String(id);
      tr.classList.toggle("highlight", mine);
      if (mine) tr.setAttribute("aria-current", "true"); else tr.removeAttribute("aria-current");
    });
  }

  function showOnMap(id) {
    var target = layersById[id];
    if (!target) return;
    map.fitBounds(target.getBounds(), { maxZoom: 16, padding: [24, 24] });
    target.openPopup();
    highlightRow(id);
    document.getElementById("map").scrollIntoView({ block: "nearest" });
  }

  // ---- filters ----
  var filterForm = document.getElementById("filters");
  function checked(name) {
    var boxes = filterForm.querySelectorAll("input[name='" + name + "']:checked");
    return Array.prototype.map.call(boxes, function (box) { return box.value; });
  }
  function visible(feature) {
    var p = feature.properties;
    if (checked("service").indexOf(p.service) < 0) return false;
    if (ended(p)) return checked("ended").length > 0;
    return checked("kind").indexOf(p.kind) >= 0;
  }
  filterForm.addEventListener("change", function () { render(features); });
  filterForm.addEventListener("submit", function (e) { e.preventDefault(); });

  // ---- summary ----
  function summarise(all) {
    var now = Date.now(), ongoing = [], planned = 0, over = 0, per = {};
    SERVICES.forEach(function (s) { per[s] = 0; });
    all.forEach(function (f) {
      var p = f.properties;
      if (ended(p)) { over += 1; return; }
      if (NOTICES.indexOf(p.kind) >= 0) return;  // listed and drawn, but no supply cut
      if (new Date(p.starts_at).getTime() <= now) { ongoing.push(f); per[p.service] += p.customers; }
      else planned += 1;
    });
    var customers = ongoing.reduce(function (n, f) { return n + f.properties.customers; }, 0);
    document.getElementById("summary-now").textContent =
      fill(t.summary_now, { n: ongoing.length, customers: customers });
    document.getElementById("summary-planned").textContent = fill(t.summary_planned, { n: planned });
    document.getElementById("summary-ended").textContent = fill(t.summary_ended, { n: over });
    SERVICES.forEach(function (s) {
      var item = document.querySelector("#summary-services li[data-service='" + s + "'] .n");
      if (item) item.textContent = String(per[s]);
    });
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
    return el("tr", { "data-outage-id": String(feature.id), "data-service": p.service,
                      "data-kind": p.kind, "data-status": p.status }, [
      head, cell(t.status, statusText(p)), cell(t.area, p.area_description || "–"),
      cell(t.starts_at, timeEl(p.starts_at)), cell(t.estimated_end_at, timeEl(p.estimated_end_at)),
      cell(t.cause, p.cause || "–"), cell(t.customers, String(p.customers)),
      cell(t.updated_at, timeEl(p.updated_at))
    ]);
  }

  function render(all) {
    features = all;
    var shown = all.filter(visible);
    if (config.focus && !focusDone) {
      // The linked outage is shown whatever the filters say.
      var linked = all.filter(function (f) { return f.id === config.focus; })[0];
      if (linked && shown.indexOf(linked) < 0) shown.push(linked);
    }
    layer.clearLayers();
    layersById = {};
    shown.forEach(function (f) { if (f.geometry) layer.addData(f); });
    var tbody = document.getElementById("outage-rows");
    tbody.replaceChildren.apply(tbody, shown.map(row));
    document.getElementById("outage-count").textContent = t.count.replace("{n}", shown.length);
    document.getElementById("no-outages").hidden = shown.length > 0;
    summarise(all);
    if (config.focus && !focusDone && layersById[config.focus]) {
      focusDone = fitted = true;
      showOnMap(config.focus);
      document.body.setAttribute("data-focused", String(config.focus));
    } else if (!fitted && shown.some(function (f) { return f.geometry; })) {
      map.fitBounds(layer.getBounds(), { maxZoom: 15, padding: [20, 20] });
      fitted = true;
    }
  }

  // ---- refresh ----
  var status = document.getElementById("status-message");
  function refresh() {
    // no-cache: always ask the server (max-age would hide a publish for 15 s), which
    // answers an unchanged If-None-Match with a cheap 304.
    var options = { cache: "no-cache", headers: { Accept: "application/geo+json" } };
    return fetch(config.dataUrl, options).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (collection) {
      render(collection.features || []);
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
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
  // For the address search (search.js), tests and embedding pages.
  window.gisOutageMap = {
    map: map, refresh: refresh, showOnMap: showOnMap, config: config, when: when, fill: fill,
    el: el, hasLayer: function (id) { return Boolean(layersById[id]); }
  };
}());
