/* The console's field page: one outage's stuck device, staged restoration and back-feed.
   Each action asks the engineer API for the difference (confirm: false), shows it, and
   stores it only on Confirm (the same call with confirm: true); Cancel stores nothing.
   The token is this tab's (sessionStorage, as in the console); every text from the
   server goes into the page as text, never as HTML. */
(function () {
  "use strict";

  var config = JSON.parse(document.body.dataset.config);
  var t = config.strings;
  var kit = window.gisOutageConsole(config);
  var KEY = kit.KEY, fill = kit.fill, el = kit.el, say = kit.say;
  var outagePath = "/outages/" + config.outage;
  var login = document.getElementById("login"), field = document.getElementById("field");
  var section = document.getElementById("difference");
  var confirmButton = document.getElementById("confirm-change");
  var pending = null;  // the previewed action: {path, body, what}

  var api = kit.api, failed = kit.failed;
  function list(ids, places) {
    if (!ids || !ids.length) return t.field_none;
    // Addresses read as the register writes them ("Street 1, 00100"), the id after it.
    if (!places) return ids.join(", ");
    return ids.map(function (id) {
      return places[id] ? places[id] + " (" + id + ")" : id;
    }).join("; ");
  }
  function critical(rows) {
    return rows.map(function (c) {
      return (t[c.category] || c.category) + " (" + c.service_point + ")";
    });
  }

  // ---- login: engineers and admins, as in the console ----
  function enter() {
    return api("GET", "/me").then(function (me) {
      if (me.role === "viewer") {
        sessionStorage.removeItem(KEY);
        login.hidden = false; field.hidden = true;
        say(t.needs_engineer, true);
        return;
      }
      login.hidden = true; field.hidden = false;
      return load();
    }).catch(function (error) {
      sessionStorage.removeItem(KEY);
      login.hidden = false; field.hidden = true;
      say(error.status === 401 ? t.bad_token : fill(t.failed, { reason: error.message }), true);
    }).then(function () { document.body.dataset.loaded = "true"; });
  }
  document.getElementById("login-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var token = document.getElementById("token").value.trim();
    if (!token) { say(t.bad_token, true); return; }
    sessionStorage.setItem(KEY, token);
    document.getElementById("token").value = "";
    enter();
  });

  // ---- the outage now ----
  function facts(o) {
    var a = o.affected || {}, box = document.getElementById("field-outage");
    box.replaceChildren();
    [[t.status, t[o.status] || o.status], [t.service, t[o.service] || o.service],
     [t.customers, String(a.customers || 0)], [t.field_held, list(a.devices_to_operate)],
     [t.field_work, list(a.isolated_links)], [t.field_backfeed_held, list(a.backfeed_devices)]
    ].forEach(function (pair) {
      box.appendChild(el("dt", {}, [pair[0]]));
      box.appendChild(el("dd", {}, [pair[1]]));
    });
  }
  function choices(boxId, name, ids) {
    var box = document.getElementById(boxId);
    box.replaceChildren();
    if (!ids.length) { box.appendChild(el("p", {}, [t.field_none])); return; }
    ids.forEach(function (id, i) {
      var inputId = name + "-" + i;
      box.appendChild(el("span", { "class": "choice" }, [
        el("input", { type: "checkbox", id: inputId, name: name, value: id }),
        el("label", { "for": inputId }, [id])
      ]));
    });
  }
  function suggestions() {
    var body = document.getElementById("backfeed-rows");
    return api("GET", outagePath + "/backfeed").then(function (rows) {
      if (!rows.length) {
        body.replaceChildren(el("tr", {}, [el("td", { colspan: "4" }, [t.bf_none])]));
        return;
      }
      body.replaceChildren.apply(body, rows.map(function (s) {
        var preview = el("button", { type: "button", "class": "secondary backfeed-preview",
                                     "aria-label": t.show_difference + ": " + s.device }, [t.show_difference]);
        preview.addEventListener("click", function () {
          propose("/backfeed", { device: s.device }, t.backfeed_heading + ": " + s.device);
        });
        return el("tr", { "data-device": s.device }, [
          el("th", { scope: "row" }, [s.meshed ? s.device + " (" + t.bf_meshed + ")" : s.device]),
          el("td", {}, [String(s.customers)]),
          el("td", {}, [list(critical(s.critical_customers || []))]),
          el("td", {}, [preview])
        ]);
      }));
    }).catch(function (error) {
      body.replaceChildren(el("tr", {}, [el("td", { colspan: "4" }, [error.message])]));
    });
  }
  function load() {
    return api("GET", outagePath).then(function (o) {
      var a = o.affected || {}, open = o.status === "draft" || o.status === "published";
      facts(o);
      choices("restore-links", "link", a.isolated_links || []);
      choices("restore-devices", "device",
              (a.devices_to_operate || []).concat(a.backfeed_devices || []));
      document.querySelectorAll("#field form button, #field form input").forEach(function (c) {
        c.disabled = !open;
      });
      document.body.dataset.status = o.status;
      if (open) return suggestions();
      document.getElementById("backfeed-rows").replaceChildren();
    }).catch(failed);
  }

  // ---- the difference, then Confirm or Cancel ----
  function part(id, heading, rows) {
    return el("div", { id: id }, [el("h3", {}, [heading]), el("ul", {}, rows.map(function (r) {
      return el("li", { "data-part": r[0] },
                [r[1] + " (" + r[2].length + "): " + list(r[2], r[3])]);
    }))]);
  }
  function show(d, what) {
    var c = d.critical_customers;
    document.getElementById("difference-what").textContent = what;
    document.getElementById("difference-body").replaceChildren(
      part("diff-devices", t.diff_devices, [["added", t.diff_added, d.devices_to_operate.added],
                                            ["removed", t.diff_removed, d.devices_to_operate.removed]]),
      part("diff-addresses", t.diff_addresses, [
        ["added", t.diff_added, d.addresses.added, d.addresses.places],
        ["removed", t.diff_removed, d.addresses.removed, d.addresses.places],
        ["supplied", t.diff_supplied, d.addresses.supplied_again, d.addresses.places]]),
      el("p", { id: "diff-customers" }, [fill(t.diff_customers, d.customers)]),
      part("diff-critical", t.diff_critical, [["added", t.diff_added, critical(c.added)],
                                              ["removed", t.diff_removed, critical(c.removed)]])
    );
    confirmButton.disabled = false;
    section.hidden = false;
    section.focus();
  }
  function propose(path, body, what) {
    say("");
    return api("POST", outagePath + path, Object.assign({}, body, { confirm: false }))
      .then(function (answer) {
        // Confirm stores this difference only if the outage is still as it was shown.
        pending = { path: path, body: Object.assign({}, body, {
          expected_version: answer.difference.outage_version }), what: what };
        show(answer.difference, what);
      }).catch(failed);
  }
  function close() {
    pending = null;
    section.hidden = true;
    document.getElementById("difference-body").replaceChildren();
  }
  confirmButton.addEventListener("click", function () {
    if (!pending) return;
    var p = pending;
    confirmButton.disabled = true;
    api("POST", outagePath + p.path, Object.assign({}, p.body, { confirm: true }))
      .then(function (answer) {
        close();
        say(fill(answer.outage.status === "resolved" ? t.confirmed_resolved : t.confirmed,
                 { what: p.what }));
        return load();
      }).catch(function (error) {
        confirmButton.disabled = false;
        failed(error);
        if (error.status === 409) { close(); load(); }  // changed meanwhile: look again
      });
  });
  document.getElementById("cancel-change").addEventListener("click", function () {
    close();
    say(t.cancelled);
  });

  // ---- the three actions ----
  document.getElementById("stuck-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var ids = document.getElementById("stuck-devices").value.split(/[\s,]+/).filter(Boolean);
    if (!ids.length) { say(t.stuck_empty, true); return; }
    propose("/stuck", { devices: ids }, t.stuck_heading + ": " + ids.join(", "));
  });
  function checked(name) {
    return Array.prototype.map.call(
      document.querySelectorAll("#restore-form input[name=" + name + "]:checked"),
      function (input) { return input.value; });
  }
  document.getElementById("restore-form").addEventListener("submit", function (e) {
    e.preventDefault();
    if (document.getElementById("restore-all").checked) {
      propose("/restore", { everything: true }, t.restore_heading + ": " + t.restore_all);
      return;
    }
    var links = checked("link"), devices = checked("device");
    if (!links.length && !devices.length) { say(t.restore_empty, true); return; }
    propose("/restore", { links: links, devices: devices },
            t.restore_heading + ": " + links.concat(devices).join(", "));
  });

  if (sessionStorage.getItem(KEY)) enter();
  else { login.hidden = false; document.body.dataset.loaded = "true"; }
}());
