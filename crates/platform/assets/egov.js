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
