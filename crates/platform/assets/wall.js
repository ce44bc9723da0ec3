// Wall mode (issue 12): rotate through the playlist. The page names the next dashboard and this
// one's duration (#wall-rotation: data-next, data-seconds); without JavaScript a
// <meta http-equiv="refresh"> in <noscript> does the same. Live redraws (egov.js) keep working
// meanwhile. No inline script: the CSP forbids it.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var rotation = document.getElementById("wall-rotation");
    if (!rotation) { return; }
    var next = rotation.getAttribute("data-next");
    var seconds = parseInt(rotation.getAttribute("data-seconds"), 10);
    // Only a local address, as the server wrote it.
    if (!next || next.charAt(0) !== "/" || next.charAt(1) === "/" || !(seconds > 0)) { return; }
    var left = seconds;
    var countdown = document.getElementById("wall-countdown");
    var timer = setInterval(function () {
      left -= 1;
      if (countdown) { countdown.textContent = String(Math.max(left, 0)); }
      if (left <= 0) {
        clearInterval(timer);
        window.location.assign(next);
      }
    }, 1000);
  });
})();
