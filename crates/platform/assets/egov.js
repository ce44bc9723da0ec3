// egov progressive enhancement. Pages work without JavaScript; this file only adds conveniences.
(function () {
  "use strict";
  // Move focus to the error summary so that screen-reader users hear what went wrong.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
    // Auto-submit selects marked data-autosubmit (the form still has a submit button).
    document.querySelectorAll("[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { if (el.form) { el.form.requestSubmit(); } });
    });
  });
})();

// Live updates: a region marked data-live-topics="data,reports" follows /api/v1/live and, when
// one of its topics changes, is redrawn from the same page fetched again (its id names it). The
// stream starts after the last event the server had when it drew the page (meta egov-live-since),
// so a change made while the stream was opening is not missed; the browser's EventSource resumes
// after a dropped connection with Last-Event-ID. The region is marked data-live-connected while
// the stream is open.
(function () {
  "use strict";
  if (!window.EventSource || !window.fetch || !window.DOMParser) { return; }
  document.addEventListener("DOMContentLoaded", function () {
    var region = document.querySelector("[data-live-topics]");
    if (!region || !region.id) { return; }
    var topics = region.getAttribute("data-live-topics");
    var url = "/api/v1/live?topics=" + encodeURIComponent(topics);
    var since = document.querySelector('meta[name="egov-live-since"]');
    if (since && /^[0-9]+$/.test(since.content)) { url += "&last_event_id=" + since.content; }
    var source = new EventSource(url);
    source.addEventListener("open", function () { region.setAttribute("data-live-connected", "true"); });
    source.addEventListener("error", function () { region.removeAttribute("data-live-connected"); });
    var pending = null;
    var redraw = function () {
      pending = null;
      fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (!html) { return; }
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(region.id);
          if (!fresh) { return; }
          // Keep open <details> open across the redraw.
          var open = [];
          region.querySelectorAll("details[open]").forEach(function (d) {
            var owner = d.closest("[id]");
            if (owner) { open.push(owner.id); }
          });
          // Camera tiles keep playing across the redraw: the live ones go back in place of
          // their fresh copies (same id and stream), with the fresh state line.
          var playing = {};
          region.querySelectorAll("[data-hls-src][id]").forEach(function (t) { playing[t.id] = t; });
          region.innerHTML = fresh.innerHTML;
          Object.keys(playing).forEach(function (id) {
            var now = document.getElementById(id);
            var kept = playing[id];
            if (!now || now.getAttribute("data-hls-src") !== kept.getAttribute("data-hls-src")) { return; }
            var state = now.querySelector(".site-state");
            var old = kept.querySelector(".site-state");
            if (state && old) { old.replaceWith(state); }
            now.replaceWith(kept);
          });
          region.dispatchEvent(new CustomEvent("egov:redrawn", { bubbles: true }));
          open.forEach(function (id) {
            var owner = document.getElementById(id);
            var d = owner && owner.querySelector("details");
            if (d) { d.open = true; }
          });
          region.setAttribute("data-live-updated", String(Date.now()));
        })
        .catch(function () {});
    };
    topics.split(",").forEach(function (t) {
      source.addEventListener(t.trim(), function () {
        // A burst of approvals redraws once.
        if (!pending) { pending = setTimeout(redraw, 250); }
      });
    });
  });
})();
