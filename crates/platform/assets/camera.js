// Camera tiles (issue 12): every element with data-hls-src plays that HLS stream in a <video>,
// through hls.js (vendor/hls.light.min.js, loaded before this file) where the browser has Media
// Source Extensions, or natively (Safari, iOS). The stream comes from egov's own relay
// (/operations/sites/{id}/hls/…), so the page's CSP stays 'self' and cameras stay behind sign-in.
// A tile out of view is paused to spare the network; a lost stream says so in the tile's status
// line (data-status-lost) and is retried every 10 seconds; data-player names the player's state
// (loading, playing, lost, unsupported) for styles and tests. No inline script: the CSP forbids it.
(function () {
  "use strict";

  function status(tile, key) {
    var line = tile.querySelector("[data-camera-status]");
    if (!line) { return; }
    var text = tile.getAttribute("data-status-" + key);
    if (text) { line.textContent = text; }
    tile.setAttribute("data-player", key);
  }

  function start(tile) {
    if (tile.hasAttribute("data-camera-started")) { return; }
    tile.setAttribute("data-camera-started", "");
    var src = tile.getAttribute("data-hls-src");
    // Only a local address, as the server wrote it.
    if (!src || src.charAt(0) !== "/" || src.charAt(1) === "/") { return; }
    var video = tile.querySelector("video");
    if (!video) {
      video = document.createElement("video");
      video.muted = true;
      video.autoplay = true;
      video.playsInline = true;
      video.controls = true;
      video.setAttribute("aria-label", tile.getAttribute("data-label") || "");
      tile.insertBefore(video, tile.firstChild);
    }
    video.addEventListener("playing", function () { status(tile, "playing"); });
    video.addEventListener("waiting", function () { status(tile, "loading"); });
    status(tile, "loading");

    if (window.Hls && window.Hls.isSupported()) {
      var hls = null;
      var connect = function () {
        if (hls) { hls.destroy(); }
        // No worker: it would need a blob: script, which the CSP refuses.
        hls = new window.Hls({ enableWorker: false, liveSyncDurationCount: 3 });
        hls.on(window.Hls.Events.ERROR, function (_event, data) {
          if (!data.fatal) { return; }
          status(tile, "lost");
          setTimeout(connect, 10000);
        });
        hls.loadSource(src);
        hls.attachMedia(video);
      };
      connect();
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = src;
      video.addEventListener("error", function () { status(tile, "lost"); });
    } else {
      status(tile, "unsupported");
      return;
    }
    video.play().catch(function () { /* autoplay refused: the controls remain */ });

    if ("IntersectionObserver" in window) {
      new IntersectionObserver(function (entries) {
        entries.forEach(function (e) {
          if (e.isIntersecting) {
            video.play().catch(function () {});
          } else {
            video.pause();
          }
        });
      }).observe(tile);
    }
  }

  function startAll() {
    var tiles = document.querySelectorAll("[data-hls-src]");
    for (var i = 0; i < tiles.length; i++) { start(tiles[i]); }
  }
  document.addEventListener("DOMContentLoaded", startAll);
  // A live redraw (egov.js) may bring new tiles; the ones already playing are kept as they are.
  document.addEventListener("egov:redrawn", startAll);
})();
