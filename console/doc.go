// Package console is the operations console under /console: staff sign in
// with their registry accounts and see coverage (a map of Hong Kong drawn
// as SVG from the venues' coordinates and a district table), venues with
// their APs, NAS, plan and usage, open sessions with a Disconnect button
// (RFC 5176), alerts, and voucher batches to print.
//
// Pages are rendered on the server with html/template; every asset is
// embedded and charts are SVG drawn on the server, so the console works
// without JavaScript and with no internet. Operators see only their
// organisation's data; another organisation's venue is "not found".
package console
