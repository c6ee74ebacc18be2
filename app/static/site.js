// Served by the app itself; the CSP allows no inline or third-party script.
(function () {
  "use strict";

  // Move focus to the error summary so keyboard and screen-reader users start from it.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
  });

  // A link in the error summary focuses its field and scrolls the field's label into view too,
  // which jumping to the fragment alone would leave above the top of the screen.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".error-summary a[href^='#']");
    if (!link) { return; }
    var field = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!field) { return; }
    event.preventDefault();
    var container = field.closest(".field") || field;
    container.scrollIntoView();
    field.focus({ preventScroll: true });
  });
})();
