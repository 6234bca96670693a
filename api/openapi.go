package api

import _ "embed"

// OpenAPI is openapi.yaml, the description of every route the API serves,
// served at /api/v1/openapi.yaml and held to the routes by tests.
//
//go:embed openapi.yaml
var OpenAPI []byte
