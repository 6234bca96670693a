// WiFi@HK console: small enhancements; every page works without them.
(function () {
  "use strict";
  var body = document.body;
  // Live views reload themselves while visible, unless someone is typing.
  var every = parseInt(body.getAttribute("data-refresh") || "0", 10);
  if (every > 0) {
    setInterval(function () {
      var a = document.activeElement;
      var typing = a && (a.tagName === "INPUT" || a.tagName === "SELECT" || a.tagName === "TEXTAREA");
      if (document.visibilityState === "visible" && !typing) {
        location.reload();
      }
    }, every * 1000);
  }
  // A click on a venue's dot opens the venue.
  var map = document.querySelector("svg.map");
  if (map) {
    var base = body.getAttribute("data-base") || "/console";
    map.addEventListener("click", function (e) {
      var key = e.target.getAttribute && e.target.getAttribute("data-venue");
      if (!key) { return; }
      var parts = key.split("/").map(encodeURIComponent);
      location.href = base + "/venues/" + parts.join("/");
    });
  }
})();
