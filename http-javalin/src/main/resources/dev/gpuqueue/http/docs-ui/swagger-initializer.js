// gpuqueue: starts Swagger UI on this server's own OpenAPI document (GET /api/openapi.yaml), replacing
// the webjar's initializer, which loads an example document from the Internet.
window.onload = function () {
  // Relative to the page (/api/docs), so the docs work at any host name, behind a proxy too.
  var documentUrl = new URL("openapi.yaml", document.baseURI).href;
  window.ui = SwaggerUIBundle({
    url: documentUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout",
    // No badge fetched from validator.swagger.io: the machine may be offline, and the document is private.
    validatorUrl: null,
    // A token typed into "Authorize" lives in this tab only, never in localStorage.
    persistAuthorization: false
  });
};
