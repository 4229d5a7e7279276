// Swagger UI over this runtime's own document. Get a token from POST /_local/tokens
// (or /_local/sign-in), then "Authorize" with it.
window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });
