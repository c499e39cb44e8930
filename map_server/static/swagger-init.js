/* Starts Swagger UI on the OpenAPI document named by #swagger-ui's data-url
   (the site's CSP allows no inline script). */
(function () {
  "use strict";
  var box = document.getElementById("swagger-ui");
  // The document from this origin: pygeoapi names it under the configured public URL,
  // which may be another origin, where the CSP's connect-src forbids the request.
  var spec = new URL(box.dataset.url, document.location.href);
  window.ui = SwaggerUIBundle({
    url: spec.pathname + spec.search,
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    // Not the standalone layout: its top bar's logo carries an inline <style>.
    layout: "BaseLayout"
  });
}());
