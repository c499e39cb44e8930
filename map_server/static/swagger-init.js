/* Starts Swagger UI on the OpenAPI document named by #swagger-ui's data-url
   (the site's CSP allows no inline script). */
(function () {
  "use strict";
  var box = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: box.dataset.url,
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    // Not the standalone layout: its top bar's logo carries an inline <style>.
    layout: "BaseLayout"
  });
}());
