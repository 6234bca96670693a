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
  // A venue's dot shows its name, hotspots and status in a box with a
  // link to it: on hover, on keyboard focus (close-ups make dots links),
  // and on a tap, where a second tap (or the link) opens the venue. A
  // mouse click opens it at once.
  var map = document.querySelector("svg.map");
  if (map) {
    var base = body.getAttribute("data-base") || "/console";
    var fig = map.closest("figure");
    var wrap = map.closest(".mapwrap") || fig;
    var box = document.createElement("div");
    box.className = "mapinfo";
    box.id = "mapinfo";
    box.hidden = true;
    wrap.appendChild(box);
    var shown = null, touch = false, selected = null;
    var venueURL = function (key) {
      return base + "/venues/" + key.split("/").map(encodeURIComponent).join("/");
    };
    var show = function (dot) {
      var key = dot.getAttribute("data-venue");
      var title = dot.querySelector("title");
      box.textContent = "";
      var p = document.createElement("p");
      p.textContent = title ? title.textContent : key;
      var a = document.createElement("a");
      a.href = venueURL(key);
      a.textContent = (fig && fig.getAttribute("data-open")) || key;
      box.appendChild(p);
      box.appendChild(a);
      box.hidden = false;
      var w = wrap.getBoundingClientRect(), r = dot.getBoundingClientRect();
      var left = Math.min(r.right - w.left + 8, w.width - box.offsetWidth - 4);
      box.style.left = Math.max(4, left) + wrap.scrollLeft + "px";
      box.style.top = Math.max(4, r.top - w.top - box.offsetHeight - 6) + wrap.scrollTop + "px";
      if (selected) { selected.classList.remove("sel"); }
      selected = dot;
      dot.classList.add("sel");
      shown = key;
    };
    var dotOf = function (e) {
      var t = e.target;
      return t && t.getAttribute && t.getAttribute("data-venue") ? t :
        (t && t.querySelector ? t.querySelector("circle[data-venue]") : null);
    };
    map.addEventListener("pointerdown", function (e) { touch = e.pointerType === "touch"; });
    map.addEventListener("mouseover", function (e) { var d = dotOf(e); if (d) { show(d); } });
    map.addEventListener("focusin", function (e) { var d = dotOf(e); if (d) { show(d); } });
    map.addEventListener("click", function (e) {
      var d = dotOf(e);
      if (!d) { return; }
      var key = d.getAttribute("data-venue");
      e.preventDefault();
      if (touch && shown !== key) { show(d); return; }
      location.href = venueURL(key);
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { box.hidden = true; shown = null; }
    });
  }
  // The venue form's map: a click sets latitude and longitude.
  var picker = document.querySelector("svg.picker");
  if (picker) {
    var num = function (k) { return parseFloat(picker.getAttribute("data-" + k)); };
    var pin = picker.querySelector(".pin");
    picker.addEventListener("click", function (e) {
      var pt = picker.createSVGPoint();
      pt.x = e.clientX;
      pt.y = e.clientY;
      var p = pt.matrixTransform(picker.getScreenCTM().inverse());
      var lat = num("max-lat") - p.y / num("ky"), lon = num("min-lon") + p.x / num("kx");
      document.getElementById("latitude").value = lat.toFixed(5);
      document.getElementById("longitude").value = lon.toFixed(5);
      pin.setAttribute("cx", p.x);
      pin.setAttribute("cy", p.y);
      pin.removeAttribute("visibility");
    });
  }
})();
