/* The engineer console: a thin client of the engineer API (/api/v1) with the same
   tokens. The token is kept in this tab's sessionStorage only and sent as a Bearer
   header; every text from the server is put in the page as text, never as HTML. */
(function () {
  "use strict";

  var config = JSON.parse(document.body.dataset.config);
  var t = config.strings;
  var kit = window.gisOutageConsole(config);
  var KEY = kit.KEY, when = kit.when, fill = kit.fill, el = kit.el, say = kit.say;
  var picked = { streets: [], addresses: [] }, polygon = null, drawn = null;
  var addressIds = {};
  var fitted = false;


  // ---- the API ----
  var api = kit.api, failed = kit.failed;

  // ---- login ----
  var login = document.getElementById("login"), workspace = document.getElementById("workspace");
  function enter() {
    return api("GET", "/me").then(function (me) {
      if (me.role === "viewer") { sessionStorage.removeItem(KEY); say(t.needs_engineer, true); return; }
      document.getElementById("who-text").textContent = fill(t.signed_in, me);
      login.hidden = true;
      workspace.hidden = false;
      document.body.dataset.role = me.role;
      mapView.invalidateSize();
      return loadOutages();
    }).catch(function (error) {
      sessionStorage.removeItem(KEY);
      login.hidden = false; workspace.hidden = true;
      say(error.status === 401 ? t.bad_token : fill(t.failed, { reason: error.message }), true);
    });
  }
  document.getElementById("login-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var token = document.getElementById("token").value.trim();
    if (!token) { say(t.bad_token, true); return; }
    sessionStorage.setItem(KEY, token);
    document.getElementById("token").value = "";
    enter();
  });
  document.getElementById("logout").addEventListener("click", function () {
    sessionStorage.removeItem(KEY);
    workspace.hidden = true; login.hidden = false; say("");
  });

  // ---- map: the outages and drawing an area ----
  var mapView = L.map("console-map", { zoomControl: false }).setView(config.center, config.zoom);
  L.control.zoom({ zoomInTitle: t.zoom_in, zoomOutTitle: t.zoom_out }).addTo(mapView);
  kit.baseMap(mapView);
  var outageLayer = L.geoJSON(null, { style: { color: "#5f6368", weight: 2, fillOpacity: 0.1 } })
    .addTo(mapView);
  mapView.pm.setGlobalOptions({ tooltips: false });
  document.getElementById("draw-area").addEventListener("click", function () {
    mapView.pm.enableDraw("Polygon", { tooltips: false, snappable: false });
    document.getElementById("draw-hint").classList.add("active");
  });
  mapView.on("pm:create", function (e) {
    if (drawn) drawn.remove();
    drawn = e.layer;
    polygon = drawn.toGeoJSON().geometry;
    picked = { streets: [], addresses: [] };
    showPicked();
    say(t.area_drawn);
  });
  document.getElementById("clear-area").addEventListener("click", function () {
    if (drawn) drawn.remove();
    drawn = null; polygon = null; picked = { streets: [], addresses: [] };
    showPicked();
  });

  // ---- picking streets and addresses ----
  function options(list, values) {
    list.replaceChildren.apply(list, values.map(function (v) { return el("option", { value: v }); }));
  }
  var streetInput = document.getElementById("street-input");
  var addressInput = document.getElementById("address-pick");
  streetInput.addEventListener("input", function () {
    var q = streetInput.value.trim();
    if (q.length < 2) return;
    api("GET", "/streets?q=" + encodeURIComponent(q)).then(function (data) {
      options(document.getElementById("street-options"), data.streets);
    }).catch(function () { /* a help only */ });
  });
  addressInput.addEventListener("input", function () {
    var q = addressInput.value.trim();
    if (q.length < 2) return;
    fetch(config.lookupUrl + "addresses?limit=15&lang=" + config.language + "&q=" +
          encodeURIComponent(q)).then(function (r) { return r.json(); }).then(function (data) {
      data.addresses.forEach(function (a) { addressIds[a.label] = a.id; });
      options(document.getElementById("address-options"),
              data.addresses.map(function (a) { return a.label; }));
    }).catch(function () { /* a help only */ });
  });
  function pick(kind, value) {
    if (!value || picked[kind].indexOf(value) >= 0) return;
    if (drawn) { drawn.remove(); drawn = null; polygon = null; }
    picked[kind].push(value);
    showPicked();
  }
  document.getElementById("add-street").addEventListener("click", function () {
    pick("streets", streetInput.value.trim()); streetInput.value = "";
  });
  document.getElementById("add-address").addEventListener("click", function () {
    var label = addressInput.value.trim();
    if (addressIds[label]) pick("addresses", label);
    addressInput.value = "";
  });
  function showPicked() {
    var list = document.getElementById("picked");
    var items = [];
    if (polygon) items.push(el("li", {}, [t.area_drawn]));
    ["streets", "addresses"].forEach(function (kind) {
      picked[kind].forEach(function (value) {
        var remove = el("button", { type: "button", "class": "link" }, [t.remove]);
        remove.setAttribute("aria-label", t.remove + ": " + value);
        remove.addEventListener("click", function () {
          picked[kind] = picked[kind].filter(function (v) { return v !== value; });
          showPicked();
        });
        items.push(el("li", { "data-kind": kind }, [value + " ", remove]));
      });
    });
    list.replaceChildren.apply(list, items);
  }

  // ---- drafting ----
  function isoFrom(local) { return local ? new Date(local).toISOString() : null; }
  document.getElementById("draft-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var form = e.target, selection;
    if (polygon) selection = { polygon: polygon };
    else if (picked.streets.length || picked.addresses.length) {
      selection = { streets: picked.streets,
                    addresses: picked.addresses.map(function (l) { return addressIds[l]; }) };
    } else { say(t.no_selection, true); return; }
    var texts = {};
    config.languages.forEach(function (lang) {
      var value = form.elements["text-" + lang].value.trim();
      if (value) texts[lang] = value;
    });
    var body = {
      service: form.elements.service.value, kind: form.elements.kind.value,
      starts_at: isoFrom(form.elements.starts_at.value) || new Date().toISOString(),
      estimated_end_at: isoFrom(form.elements.estimated_end_at.value),
      cause: form.elements.cause.value.trim() || null, texts: texts, selection: selection
    };
    api("POST", "/outages", body).then(function (outage) {
      say(fill(t.draft_saved, { id: outage.id, customers: outage.affected.customers }));
      return loadOutages().then(function () { return preview(outage.id); });
    }).catch(failed);
  });

  // ---- the list and its actions ----
  function deliveries(stats) {
    return Object.keys(stats || {}).map(function (channel) {
      var counts = stats[channel];
      return t[channel] + ": " + Object.keys(counts).map(function (s) {
        return s + " " + counts[s];
      }).join(", ");
    }).join("; ") || "–";
  }
  function action(label, name, handler) {
    var button = el("button", { type: "button", "class": "secondary", "data-action": name }, [label]);
    button.addEventListener("click", handler);
    return button;
  }
  function timing(messages) {
    if (!messages) return "";
    if (messages.action === "defer") return fill(t.messages_defer, { when: when(messages.not_before) });
    return messages.action === "send" ? t.messages_send : t.messages_skip;
  }
  function act(outage, verb, path, body) {
    return api("POST", "/outages/" + outage.id + path, body).then(function (answer) {
      say(fill(t.done, { what: verb }) + " " + timing(answer.messages));
      return loadOutages();
    }).catch(failed);
  }
  function endEditor(outage) {
    var input = el("input", { type: "datetime-local", id: "end-" + outage.id });
    var label = el("label", { "for": "end-" + outage.id }, [t.new_end]);
    var save = action(t.save_end, "save-end", function () {
      api("PATCH", "/outages/" + outage.id, {
        estimated_end_at: isoFrom(input.value), expected_version: outage.version
      }).then(function (answer) {
        say(fill(t.done, { what: t.update_end }) + " " + timing(answer.messages));
        return loadOutages();
      }).catch(failed);
    });
    return el("div", { "class": "end-editor", hidden: "" }, [label, input, save]);
  }
  function row(outage) {
    var cell = function (content) { return el("td", {}, [content]); };
    var actions = el("td", { "class": "actions" });
    if (outage.status === "draft" || outage.status === "published") {
      actions.appendChild(action(t.preview, "preview", function () { preview(outage.id); }));
    }
    if (outage.status === "draft") {
      actions.appendChild(action(t.publish, "publish", function () { act(outage, t.publish, "/publish"); }));
    }
    if (outage.status === "published") {
      var editor = endEditor(outage);
      actions.appendChild(action(t.update_end, "update-end", function () {
        editor.hidden = !editor.hidden;
      }));
      actions.appendChild(action(t.resolve, "resolve", function () {
        if (window.confirm(fill(t.confirm_resolve, { id: outage.id }))) act(outage, t.resolve, "/resolve");
      }));
      actions.appendChild(editor);
    }
    if (outage.status === "draft" || outage.status === "published") {
      actions.appendChild(action(t.cancel, "cancel", function () {
        if (window.confirm(fill(t.confirm_cancel, { id: outage.id }))) act(outage, t.cancel, "/cancel");
      }));
      // The printable crew sheet; the same tab keeps this tab's token.
      actions.appendChild(el("a", { href: "outages/" + outage.id + "/crew-sheet",
                                    "class": "crew-sheet-link" }, [t.crew_sheet]));
      // Stuck device, staged restoration, back-feed: previewed, then confirmed.
      actions.appendChild(el("a", { href: "outages/" + outage.id, "class": "field-link" },
                             [t.field_link]));
    }
    return el("tr", { "data-outage-id": String(outage.id), "data-status": outage.status }, [
      el("th", { scope: "row" }, [String(outage.id)]), cell(t[outage.service]),
      cell(t[outage.status] + ", " + t[outage.kind].toLowerCase()), cell(when(outage.starts_at)),
      cell(outage.estimated_end_at ? when(outage.estimated_end_at) : t.unknown),
      cell(String((outage.affected || {}).customers || 0)), cell(deliveries(outage.deliveries)),
      actions
    ]);
  }
  function loadOutages() {
    return api("GET", "/outages").then(function (list) {
      list.sort(function (a, b) { return b.id - a.id; });
      var tbody = document.getElementById("console-rows");
      tbody.replaceChildren.apply(tbody, list.map(row));
      outageLayer.clearLayers();
      list.forEach(function (o) {
        if (o.public_area && (o.status === "published" || o.status === "draft")) outageLayer.addData(o.public_area);
      });
      if (!fitted && outageLayer.getLayers().length) {
        mapView.fitBounds(outageLayer.getBounds(), { maxZoom: 16, padding: [20, 20] });
        fitted = true;
      }
      document.body.dataset.loaded = "true";
    }).catch(failed);
  }

  function preview(id) {
    return api("POST", "/outages/" + id + "/recipients/preview").then(function (data) {
      var body = document.getElementById("preview-body");
      var counts = Object.keys(data.recipients).map(function (channel) {
        return el("li", { "data-channel": channel }, [t[channel] + ": " + data.recipients[channel]]);
      });
      var sms = Object.keys(data.sms).map(function (lang) {
        var m = data.sms[lang];
        return el("figure", { "class": "sms", "data-lang": lang, lang: lang }, [
          el("blockquote", {}, [m.text]),
          el("figcaption", {}, [lang.toUpperCase() + ": " +
            fill(t.sms_parts, { characters: m.characters, fragments: m.fragments })])
        ]);
      });
      body.replaceChildren(
        el("p", { id: "preview-outage" }, [t.preview_heading + " " + id + ". " + timing(data.messages)]),
        el("h3", {}, [t.recipients]), el("ul", { id: "preview-counts" }, counts)
      );
      sms.forEach(function (f) { body.appendChild(f); });
      var section = document.getElementById("preview");
      section.hidden = false;
      section.focus();
    }).catch(failed);
  }

  if (sessionStorage.getItem(KEY)) enter();
  else document.body.dataset.loaded = "true";
}());
