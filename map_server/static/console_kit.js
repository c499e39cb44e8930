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

  return {
    KEY: "gis-outage-console-token",
    when: function (iso) { return iso ? timeFormat.format(new Date(iso)) : "–"; },
    fill: function (text, values) {
      return Object.keys(values).reduce(function (out, k) {
        return out.split("{" + k + "}").join(values[k]);
      }, text);
    },
    el: function (tag, attrs, children) {
      var node = document.createElement(tag);
      Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
      (children || []).forEach(function (c) {
        node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
      });
      return node;
    },
    say: function (text, error) {
      status.textContent = text;
      status.className = error ? "notice error" : "notice";
    },
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
