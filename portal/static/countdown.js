// WiFi@HK portal: counts the status page's time left down each second.
// Without JavaScript the page shows the minutes left when it was loaded.
(function () {
  var el = document.getElementById('time-left');
  if (!el || !el.dataset.seconds) return;
  var end = Date.now() + Number(el.dataset.seconds) * 1000;
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function tick() {
    var s = Math.max(0, Math.round((end - Date.now()) / 1000));
    var h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60;
    el.textContent = (h ? h + ':' + pad(m) : m) + ':' + pad(s % 60);
    if (s === 0) {
      el.textContent = el.dataset.up;
      return;
    }
    setTimeout(tick, ((end - Date.now()) % 1000) || 1000);
  }
  tick();
})();
