/* pygeoapi's HTML pages under /oapi: their maps, the page-size choice and the JSON-LD
   block. The data come from data-* attributes (escaped by the server); pop-ups are built
   from text nodes, never parsed as HTML, so no outage text can become markup or script. */
(function () {
  "use strict";

  function addJsonLd() {
    // Search engines read the page's JSON-LD, where the page links one.
    var link = document.querySelector("link[rel=alternate][type='application/ld+json']");
    if (!link) return;
    // From this origin: the link names the configured public URL, which may be
    // another origin (a demo on another port), where the CSP's connect-src forbids it.
    var url = new URL(link.href);
    fetch(url.pathname + url.search).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (text) {
      if (!text) return;
      var block = document.createElement("script");
      block.type = "application/ld+json";  // a data block: never run
      block.textContent = text.replace("docs/jsonldcontext.jsonld", "");
      document.head.appendChild(block);
    }).catch(function () { /* no JSON-LD: nothing lost for a reader */ });
  }

  function pageSize() {
    var select = document.getElementById("limits");
    if (!select) return;
    var params = new URL(document.location.href).searchParams;
    select.value = params.get("limit") || select.options[0].value;
    select.addEventListener("change", function () {
      document.location.search = "limit=" + encodeURIComponent(select.value);
    });
  }

  function itemLink(feature, itemsPath, titleField) {
    var title = titleField && feature.properties ? feature.properties[titleField] : null;
    var link = document.createElement("a");
    link.href = itemsPath + "/" + encodeURIComponent(String(feature.id)) + "?f=html";
    link.textContent = String(title === null || title === undefined ? feature.id : title);
    var span = document.createElement("span");
    span.appendChild(link);
    return span;
  }

  function bboxPicker(map) {
    // Ctrl + drag draws a rectangle; a click shows it as a bbox= parameter.
    var first = null, drawing = false, current = null, chosen = null;
    map.on("mousedown", function (e) {
      if (e.originalEvent.ctrlKey) {
        if (chosen) { map.removeLayer(chosen); chosen = null; }
        map.dragging.disable();
        first = e.latlng;
        drawing = true;
      } else if (chosen && !chosen.getBounds().contains(e.latlng)) {
        map.removeLayer(chosen);
        chosen = null;
      }
    });
    map.on("mousemove", function (e) {
      if (!drawing) return;
      if (current) map.removeLayer(current);
      current = L.rectangle([first, e.latlng], { dashArray: "4 1", weight: 0.4 }).addTo(map);
    });
    map.on("mouseup", function (e) {
      if (current) { map.removeLayer(current); current = null; }
      if (drawing && e.originalEvent.ctrlKey) {
        chosen = L.rectangle([first, e.latlng], { color: "#ff7800", weight: 1 }).addTo(map);
      }
      drawing = false;
      map.dragging.enable();
    });
    map.on("click", function () {
      if (!chosen) return;
      var text = document.createTextNode("bbox=" + chosen.getBounds().toBBoxString());
      L.popup({ maxWidth: "auto" }).setLatLng(chosen.getBounds().getCenter())
        .setContent(text).openOn(map);
    });
  }

  function drawMap(box) {
    var kind = box.dataset.kind;
    var target = document.getElementById(kind === "collection" ? "collection-map" : "items-map");
    if (!target || !window.L) return;
    var map = L.map(target).setView([45, -75], kind === "items" ? 5 : 10);
    L.tileLayer(box.dataset.tileUrl, { maxZoom: 18, attribution: box.dataset.attribution })
      .addTo(map);
    if (kind === "collection") {
      var b = JSON.parse(box.dataset.bbox);  // [west, south, east, north]
      var area = L.polygon([[b[1], b[0]], [b[3], b[0]], [b[3], b[2]], [b[1], b[2]]]).addTo(map);
      map.fitBounds(area.getBounds(), { maxZoom: 10 });
      bboxPicker(map);
    } else if (kind === "item") {
      var one = L.geoJSON(JSON.parse(box.dataset.feature)).addTo(map);
      map.fitBounds(one.getBounds(), { maxZoom: 15 });
    } else {
      var itemsPath = box.dataset.itemsPath, titleField = box.dataset.titleField;
      var items = L.geoJSON(JSON.parse(box.dataset.features), {
        onEachFeature: function (feature, layer) {
          layer.bindPopup(function () { return itemLink(feature, itemsPath, titleField); });
        }
      });
      var group = L.markerClusterGroup ? L.markerClusterGroup({
        disableClusteringAtZoom: 9, chunkedLoading: true, chunkInterval: 500
      }) : L.featureGroup();
      group.addLayer(items);
      map.addLayer(group);
      map.fitBounds(items.getBounds());
    }
  }

  pageSize();
  var box = document.getElementById("oapi-map-data");
  if (box) drawMap(box);
  addJsonLd();
}());
