// Package web is the HTTP plumbing the portal, console and API share:
// security headers, body limits, JSON errors, CSRF tokens and rate limits.
package web
