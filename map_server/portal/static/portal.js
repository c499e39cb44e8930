/* Address autocomplete for the portal's address form: a progressive enhancement.
 * Without it the form still works (the server checks the address and lists streets
 * and numbers when it cannot find one). Suggestions come by POST with the form's CSRF
 * token, so nothing a resident types about their home ends up in a URL. */
(function () {
  "use strict";
  var form = document.getElementById("address-form");
  if (!form || !window.fetch || !window.FormData) return;
  var endpoint = form.dataset.autocompleteUrl;
  var postal = form.elements.postal_code;
  var street = form.elements.street;
  var number = form.elements.house_number;
  var lists = { street: document.getElementById("street-options"),
                house_number: document.getElementById("number-options") };
  var latest = { street: 0, house_number: 0 };

  function suggest(field) {
    var ticket = ++latest[field];
    var body = new FormData();
    body.append("csrf", form.elements.csrf.value);
    body.append("field", field);
    body.append("postal_code", postal.value);
    body.append("street", street.value);
    body.append("house_number", number.value);
    fetch(endpoint, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { options: [] }; })
      .then(function (data) {
        if (ticket !== latest[field]) return; // an older answer: a newer one is coming
        var list = lists[field];
        list.replaceChildren.apply(list, data.options.map(function (value) {
          var option = document.createElement("option");
          option.value = value;
          return option;
        }));
      })
      .catch(function () { /* suggestions are a help only */ });
  }

  function debounced(fn, ms) {
    var timer = null;
    return function () { clearTimeout(timer); timer = setTimeout(fn, ms); };
  }

  var streets = debounced(function () { suggest("street"); }, 150);
  var numbers = debounced(function () { suggest("house_number"); }, 150);
  postal.addEventListener("input", function () { if (postal.value.trim().length >= 3) streets(); });
  street.addEventListener("input", function () { streets(); numbers(); });
  street.addEventListener("change", numbers);
  number.addEventListener("input", numbers);
  number.addEventListener("focus", numbers);
  document.body.dataset.portalReady = "true";
})();
