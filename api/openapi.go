// Package api holds the OpenAPI description of wifihk's registry API, so
// that the server can serve it and tests can hold it to the routes.
package api

import _ "embed"

// OpenAPI is openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte
