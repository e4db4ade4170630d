// The interactive reference: Swagger UI over ccgate's own OpenAPI document. "Try it out" sends
// real requests to this server with the key entered under "Authorize"; nothing goes elsewhere
// (validatorUrl: null keeps the document from being sent to an online validator).
window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/api/v1/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    persistAuthorization: false,
    defaultModelsExpandDepth: 0,
    displayRequestDuration: true,
  });
});
