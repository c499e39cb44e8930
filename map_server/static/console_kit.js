/* What the console's pages share: the token's place (this tab's sessionStorage), times in
   the utility's timezone, text-only DOM building, the status line and the base map.
   Every text from the server goes into the page as text, never as HTML. */
window.gisOutageConsole = function (config) {
  "use strict";

  var LOCALES = { fi: "fi-FI", sv: "sv-FI", en: "en-GB" };
  var timeFormat = new Intl.DateTimeFormat(LOCALES[config.language] || config.language, {
    timeZone: config.timezone, day: "numeric", month: "numeric", year: "numeric",
    hour: "2-digit", minute: "2-digit"
  });
  var status = document.getElementById("console-status");
  var KEY = "gis-outage-console-token";

  function fill(text, values) {
    return Object.keys(values).reduce(function (out, k) {
      return out.split("{" + k + "}").join(values[k]);
    }, text);
  }
  function say(text, error) {
    status.textContent = text;
    status.className = error ? "notice error" : "notice";
  }

  return {
    KEY: KEY,
    when: function (iso) { return iso ? timeFormat.format(new Date(iso)) : "–"; },
    fill: fill,
    el: function (tag, attrs, children) {
      var node = document.createElement(tag);
      Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
      (children || []).forEach(function (c) {
        node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
      });
      return node;
    },
    say: say,
    // The engineer API with this tab's token; a refusal becomes an Error with the
    // server's words and its HTTP status.
    api: function (method, path, body) {
      var headers = { Authorization: "Bearer " + sessionStorage.getItem(KEY) };
      if (body !== undefined) headers["Content-Type"] = "application/json";
      return fetch(config.api + path, {
        method: method, headers: headers, cache: "no-store",
        body: body === undefined ? undefined : JSON.stringify(body)
      }).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) {
          if (!r.ok) {
            var detail = data.detail;
            if (Array.isArray(detail)) detail = detail.map(function (d) { return d.msg; }).join("; ");
            var error = new Error(detail || ("HTTP " + r.status));
            error.status = r.status;
            throw error;
          }
          return data;
        });
      });
    },
    failed: function (error) { say(fill(config.strings.failed, { reason: error.message }), true); },
    baseMap: function (view) {
      if (config.tileUrl) {
        L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: 19 }).addTo(view);
      } else if (config.basemapUrl && window.protomapsL) {
        protomapsL.leafletLayer({ url: config.basemapUrl, flavor: "light", lang: config.language,
                                  attribution: config.basemapAttribution, maxDataZoom: 16 }).addTo(view);
      }
    }
  };
};
