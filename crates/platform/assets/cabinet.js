// The e-Cabinet's pages (crates/cabinet).
// 1. Passkeys: a form marked data-register="<start url>" registers one (navigator.credentials.create);
//    a form marked data-passkey="<challenge url>" is confirmed with one before it is sent
//    (navigator.credentials.get): the server's challenge and the browser's answer travel in the
//    form's hidden fields "ceremony" and "credential", and the form is then submitted as usual.
// 2. Live session: a region marked data-cabinet-topics follows /api/v1/live. A ballot count
//    (an event with "cast") updates the counters in place (never downwards) without fetching
//    anything; any other change (a poll opened or closed, attendance, marks, speakers, a draft)
//    redraws the region from the page fetched again, and the ballot section too when a poll
//    opened or closed. The ballot form is outside the region, so a member's unsent choice is never
//    reset by others' votes.
(function () {
  "use strict";
  var b64url = {
    decode: function (s) {
      s = s.replace(/-/g, "+").replace(/_/g, "/");
      while (s.length % 4) { s += "="; }
      var bin = atob(s), out = new Uint8Array(bin.length);
      for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
      return out.buffer;
    },
    encode: function (buf) {
      var bytes = new Uint8Array(buf), bin = "";
      for (var i = 0; i < bytes.length; i++) { bin += String.fromCharCode(bytes[i]); }
      return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    }
  };
  function post(url, form, extra) {
    var body = new URLSearchParams();
    body.set("csrf", form.elements.csrf.value);
    Object.keys(extra || {}).forEach(function (k) { body.set(k, extra[k]); });
    return fetch(url, { method: "POST", credentials: "same-origin", body: body, headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (r.ok) { return r.json(); }
        return r.json().then(function (j) {
          throw new Error((j && j.errors && j.errors[0] && j.errors[0].detail) || String(r.status));
        }, function () { throw new Error(String(r.status)); });
      });
  }
  function showError(form, e) {
    var p = form.querySelector("[data-passkey-error]");
    if (p) { p.textContent = e && e.message ? e.message : String(e); p.hidden = false; }
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = false; }
  }
  function creationOptions(o) {
    var pk = o.publicKey;
    pk.challenge = b64url.decode(pk.challenge);
    pk.user.id = b64url.decode(pk.user.id);
    (pk.excludeCredentials || []).forEach(function (c) { c.id = b64url.decode(c.id); });
    return { publicKey: pk };
  }
  function requestOptions(o) {
    var pk = o.publicKey;
    pk.challenge = b64url.decode(pk.challenge);
    (pk.allowCredentials || []).forEach(function (c) { c.id = b64url.decode(c.id); });
    return { publicKey: pk, mediation: o.mediation || undefined };
  }
  function credentialJson(c, attestation) {
    var r = c.response, out = { id: c.id, rawId: b64url.encode(c.rawId), type: c.type, extensions: {}, response: {} };
    out.response.clientDataJSON = b64url.encode(r.clientDataJSON);
    if (attestation) {
      out.response.attestationObject = b64url.encode(r.attestationObject);
      if (r.getTransports) { out.response.transports = r.getTransports(); }
    } else {
      out.response.authenticatorData = b64url.encode(r.authenticatorData);
      out.response.signature = b64url.encode(r.signature);
      out.response.userHandle = r.userHandle ? b64url.encode(r.userHandle) : null;
    }
    return JSON.stringify(out);
  }
  function fieldsOf(form) {
    var out = {};
    ["answer", "opinion", "choice", "client_id"].forEach(function (name) {
      var el = form.elements[name];
      if (!el) { return; }
      out[name] = el.value !== undefined ? el.value : "";
      if (el.length !== undefined && el.value === undefined) {
        for (var i = 0; i < el.length; i++) { if (el[i].checked) { out[name] = el[i].value; } }
      }
    });
    return out;
  }
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var register = form.getAttribute && form.getAttribute("data-register");
    var confirm = form.getAttribute && form.getAttribute("data-passkey");
    if (!register && !confirm) { return; }
    if (form.elements.credential.value) { return; } // confirmed: send it
    ev.preventDefault();
    if (!form.reportValidity()) { return; }
    if (!window.PublicKeyCredential || !navigator.credentials) {
      showError(form, new Error(form.getAttribute("data-no-passkey") || "WebAuthn"));
      return;
    }
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }
    if (register) {
      post(register, form).then(function (j) {
        form.elements.ceremony.value = j.ceremony;
        return navigator.credentials.create(creationOptions(j.options));
      }).then(function (c) {
        form.elements.credential.value = credentialJson(c, true);
        form.submit();
      }).catch(function (e) { showError(form, e); });
    } else {
      post(confirm, form, fieldsOf(form)).then(function (j) {
        form.elements.ceremony.value = j.ceremony;
        return navigator.credentials.get(requestOptions(j.options));
      }).then(function (c) {
        form.elements.credential.value = credentialJson(c, false);
        form.submit();
      }).catch(function (e) { showError(form, e); });
    }
  });

  if (!window.EventSource || !window.fetch || !window.DOMParser) { return; }
  document.addEventListener("DOMContentLoaded", function () {
    var region = document.querySelector("[data-cabinet-topics]");
    if (!region || !region.id) { return; }
    var topics = region.getAttribute("data-cabinet-topics");
    var url = "/api/v1/live?topics=" + encodeURIComponent(topics);
    var since = document.querySelector('meta[name="egov-live-since"]');
    if (since && /^[0-9]+$/.test(since.content)) { url += "&last_event_id=" + since.content; }
    var source = new EventSource(url);
    source.addEventListener("open", function () { region.setAttribute("data-live-connected", "true"); });
    source.addEventListener("error", function () { region.removeAttribute("data-live-connected"); });
    var pending = null, ballotToo = false;
    var redraw = function () {
      pending = null;
      var ids = [region.id];
      if (ballotToo && document.getElementById("ballot")) { ids.push("ballot"); }
      ballotToo = false;
      fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (!html) { return; }
          var doc = new DOMParser().parseFromString(html, "text/html");
          ids.forEach(function (id) {
            var fresh = doc.getElementById(id), here = document.getElementById(id);
            if (fresh && here) { here.innerHTML = fresh.innerHTML; }
          });
          region.setAttribute("data-live-updated", String(Date.now()));
        })
        .catch(function () {});
    };
    topics.split(",").forEach(function (t) {
      source.addEventListener(t.trim(), function (e) {
        var d = {};
        try { d = JSON.parse(e.data); } catch (x) { d = {}; }
        if (d.poll && typeof d.cast === "number" && !d.closed && !d.open) {
          document.querySelectorAll('[data-poll-cast="' + d.poll + '"]').forEach(function (el) {
            var now = parseInt(el.textContent, 10) || 0;
            if (d.cast > now) { el.textContent = String(d.cast); }
          });
          return;
        }
        if (d.open || d.closed) { ballotToo = true; }
        if (!pending) { pending = setTimeout(redraw, 150); }
      });
    });
  });
})();
