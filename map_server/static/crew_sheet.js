/* The crew sheet: asks the engineer API for one outage's sheet with the console's token
   (this tab's sessionStorage, as in the console) and draws it. Every text from the
   server goes into the page as text, never as HTML; the map is Leaflet from our origin. */
(function () {
  "use strict";

  var config = JSON.parse(document.body.dataset.config);
  var t = config.strings;
  var kit = window.gisOutageConsole(config);
  var KEY = kit.KEY, when = kit.when, fill = kit.fill, el = kit.el, say = kit.say;
  var login = document.getElementById("login");
  var sheet = document.getElementById("sheet");

  function text(value) { return value === null || value === undefined ? "–" : String(value); }

  function ask() {
    return fetch(config.api, {
      headers: { Authorization: "Bearer " + sessionStorage.getItem(KEY) }, cache: "no-store"
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) {
          var error = new Error(typeof data.detail === "string" ? data.detail : "HTTP " + r.status);
          error.status = r.status;
          throw error;
        }
        return data;
      });
    });
  }

  function facts(data) {
    var o = data.outage, list = document.getElementById("sheet-outage");
    [[t.service, t[o.service] || o.service], [t.kind, t[o.kind] || o.kind],
     [t.status, t[o.status] || o.status], [t.starts_at, when(o.starts_at)],
     [t.estimated_end_at, when(o.estimated_end_at)], [t.cause, text(o.cause)],
     [t.area, text(o.area_description)], [t.customers, text(data.customers)]
    ].forEach(function (pair) {
      list.appendChild(el("dt", {}, [pair[0]]));
      list.appendChild(el("dd", {}, [pair[1]]));
    });
  }

  function devices(rows) {
    var body = document.getElementById("sheet-device-rows");
    if (!rows.length) {
      body.appendChild(el("tr", {}, [el("td", { colspan: "8" }, [t.sheet_none])]));
      return;
    }
    rows.forEach(function (d) {
      var place = d.lat === null ? "–" : d.lat.toFixed(6) + ", " + d.lon.toFixed(6);
      body.appendChild(el("tr", { "data-device": d.id }, [
        el("td", {}, [String(d.n)]), el("th", { scope: "row" }, [d.id]),
        el("td", {}, [text(d.kind)]), el("td", {}, [text(d.size)]),
        el("td", {}, [text(d.link_id)]), el("td", {}, [text(d.node_id)]),
        el("td", {}, [place]), el("td", {}, [text(d.from_previous_m)])
      ]));
    });
  }

  function critical(rows) {
    var body = document.getElementById("sheet-critical-rows");
    if (!rows.length) {
      body.appendChild(el("tr", {}, [el("td", { colspan: "4" }, [t.sheet_no_critical])]));
      return;
    }
    rows.forEach(function (c) {
      body.appendChild(el("tr", {}, [
        el("th", { scope: "row" }, [t[c.category] || c.category]),
        el("td", {}, [text(c.address || c.address_id)]),
        el("td", {}, [c.service_point]), el("td", {}, [text(c.customers)])
      ]));
    });
  }

  function message(texts) {
    var box = document.getElementById("sheet-message");
    Object.keys(texts).forEach(function (lang) {
      box.appendChild(el("h3", { lang: lang }, [lang.toUpperCase()]));
      box.appendChild(el("p", { lang: lang, "class": "sheet-text" }, [texts[lang]]));
    });
  }

  function draw(data) {
    var view = L.map("sheet-map", { zoomControl: true }).setView(config.center, config.zoom);
    kit.baseMap(view);
    var bounds = L.latLngBounds([]);
    if (data.affected_area) {
      var area = L.geoJSON(data.affected_area, {
        style: { color: "#9c4221", weight: 2, fillOpacity: 0.15 }, interactive: false
      }).addTo(view);
      bounds.extend(area.getBounds());
    }
    var work = L.geoJSON(data.work_area, { style: { color: "#1a4f8b", weight: 5 } }).addTo(view);
    if (data.work_area.features.length) bounds.extend(work.getBounds());
    data.devices.forEach(function (d) {
      if (d.lat === null) return;
      var marker = L.marker([d.lat, d.lon], {
        icon: L.divIcon({ className: "sheet-marker", html: "", iconSize: [26, 26] }),
        title: d.n + ": " + d.id, alt: d.n + ": " + d.id, keyboard: false
      }).addTo(view);
      marker.getElement().textContent = String(d.n);
      bounds.extend([d.lat, d.lon]);
    });
    if (bounds.isValid()) view.fitBounds(bounds, { padding: [20, 20], maxZoom: 18 });
    window.addEventListener("beforeprint", function () { view.invalidateSize(); });
  }

  function show() {
    login.hidden = true;
    say(t.sheet_loading);
    ask().then(function (data) {
      say("");
      sheet.hidden = false;
      facts(data);
      devices(data.devices);
      critical(data.critical_customers);
      message(data.message || {});
      draw(data);
      document.body.dataset.loaded = "true";
    }).catch(function (error) {
      if (error.status === 401) {
        sessionStorage.removeItem(KEY);
        login.hidden = false;
        say(t.bad_token, true);
      } else if (error.status === 403) {
        say(t.needs_engineer, true);
      } else {
        say(fill(t.failed, { reason: error.message }), true);
      }
      document.body.dataset.loaded = "true";
    });
  }

  document.getElementById("login-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var token = document.getElementById("token").value.trim();
    if (!token) { say(t.bad_token, true); return; }
    sessionStorage.setItem(KEY, token);
    document.getElementById("token").value = "";
    show();
  });
  document.getElementById("print").addEventListener("click", function () { window.print(); });

  if (sessionStorage.getItem(KEY)) {
    show();
  } else {
    login.hidden = false;
    document.body.dataset.loaded = "true";
  }
}());
