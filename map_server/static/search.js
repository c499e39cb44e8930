/* "Is my address affected?": an ARIA 1.2 combobox over the address register (either
   name of a street), the answer with the outages there, a pin on the map, and why an
   address inside a shaded area is not affected. Uses what map.js exposes. */
(function () {
  "use strict";

  var shared = window.gisOutageMap;
  var config = shared.config, t = config.strings, el = shared.el, when = shared.when;
  var input = document.getElementById("address-input");
  var listbox = document.getElementById("address-suggestions");
  var result = document.getElementById("address-result");
  var weeks = document.getElementById("weeks-select");
  var options = [], active = -1, chosen = null, timer = null, seq = 0, pending = false;
  var pin = null;
  var lang = "&lang=" + encodeURIComponent(config.language);

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
    fetch(config.lookupUrl + "addresses?limit=10&q=" + encodeURIComponent(q) + lang)
      .then(function (r) { return r.ok ? r.json() : { addresses: [] }; })
      .then(function (data) {
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
      "&weeks=" + encodeURIComponent(weeks.value) + lang;
    fetch(url).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    }).then(showStatus).catch(function () { showResult(null, t.error); });
  });

  function showResult(kind, message, items, notes) {
    result.className = kind || "";
    result.replaceChildren(el("p", { id: "address-result-text" }, [message]));
    if (items && items.length) result.appendChild(el("ul", { id: "address-result-outages" }, items));
    if (notes && notes.length) result.appendChild(el("ul", { id: "address-result-notes" }, notes));
  }

  function outageItem(o) {
    var li = el("li", { "data-outage-id": String(o.id) }, [
      t[o.service] + ", " + t[o.kind].toLowerCase() + ": " + when(o.starts_at) + " – " +
      (o.ended_at || o.estimated_end_at ? when(o.ended_at || o.estimated_end_at) : t.unknown) +
      (o.cause ? " (" + o.cause + ")" : "")
    ]);
    if (shared.hasLayer(o.id)) {
      var button = el("button", { type: "button", "class": "show-on-map" }, [t.show_on_map]);
      button.addEventListener("click", function () { shared.showOnMap(o.id); });
      li.appendChild(document.createTextNode(" "));
      li.appendChild(button);
    }
    return li;
  }

  function showStatus(data) {
    // A small outage is answered by its area only: "may be", never "not affected".
    var maybe = data.nearby.some(function (o) { return o.reason === "small_area"; });
    var parts = [];
    if (data.affected_now) parts.push(t.affected_now);
    if (data.notice_now) parts.push(t.notice_now);  // the water runs, but is not drinkable
    if (data.planned) parts.push(t.affected_planned);
    if (!parts.length) parts.push(maybe ? t.maybe_affected : t.not_affected);
    var message = data.address.label + ": " + parts.join(" ").replace(/\{weeks\}/g, data.weeks);
    var notes = data.nearby.map(function (o) {
      return el("li", { "data-outage-id": String(o.id), "data-reason": o.reason },
                [shared.fill(t[o.reason], { service: t[o.service] })]);
    }).concat(data.ended.map(function (o) {
      return el("li", { "data-outage-id": String(o.id), "data-reason": "ended" },
                [shared.fill(t.ended_here, { when: when(o.ended_at || o.updated_at) })]);
    }));
    var affected = data.affected_now || data.notice_now || data.planned || maybe;
    showResult(affected ? "affected" : "clear", message,
               data.outages.map(outageItem), notes);
    placePin(data.address);
  }

  function placePin(address) {
    if (pin) { pin.remove(); pin = null; }
    if (address.lat === null) return;
    var where = [address.lat, address.lon];
    pin = L.marker(where, { title: t.your_address, alt: t.your_address, keyboard: false })
      // A text node: Leaflet parses a string as HTML, and street names are imported data.
      .bindTooltip(document.createTextNode(address.label), {
        permanent: true, direction: "top", offset: [0, -36], className: "address-pin-label"
      })
      .addTo(shared.map);
    pin.getElement().classList.add("address-pin");
    shared.map.setView(where, Math.max(shared.map.getZoom(), 16));
  }
}());
