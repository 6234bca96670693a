// Package portal is the WiFi@HK captive portal: the page a visitor's phone
// shows after joining the network.
//
// It speaks the UAM protocol of ChilliSpot and CoovaChilli gateways: the
// gateway redirects an unauthenticated browser to GET /portal with res,
// uamip, uamport, challenge, mac, nasid, userurl and md; the portal checks
// md with the NAS's UAM secret, lets the visitor in by one of the venue
// plan's methods (click-through, account, voucher), issues a one-time
// credential bound to that device and gateway, and sends the browser back
// to http://uamip:uamport/logon with a CHAP response (or a PAP password)
// that the gateway hands to the RADIUS server in an Access-Request.
//
// Routes, under Config.Base (default /portal):
//
//	GET  /portal                 landing page (UAM redirect target): the
//	                             forms the venue's plan offers, the
//	                             likeliest first (free, else account, else
//	                             voucher), the others behind "other ways"
//	GET, POST /portal?res=wispr  WISPr 1.0 smart-client login (wispr.go)
//	POST /portal/connect         free click-through
//	POST /portal/signin          account sign-in
//	GET, POST /portal/signup     account sign-up; POST /portal/verify
//	GET, POST /portal/reset      password reset; POST /portal/reset/finish
//	POST /portal/voucher         voucher code
//	GET  /portal/status          the page after login: the venue, time left
//	                             (counted down by countdown.js), data left,
//	                             on to the page first asked for, log out
//	GET  /portal/terms           terms of use
//	GET  /portal/api             RFC 8908 Captive Portal API (application/captive+json)
//	GET  /portal/static/…        embedded CSS, logo and the countdown script
//
// Pages are server-rendered, need no JavaScript (the countdown only adds
// to the minutes the status page shows), load nothing from outside
// (the visitor has no internet yet) and come in English, 繁體中文 and 简体中文.
package portal
