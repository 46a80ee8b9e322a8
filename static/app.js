// Small behaviours the pages need without inline script (the CSP allows only this file and htmx).
(function () {
  "use strict";

  // <div data-when="industry.has_project=true">: shown only while that radio has that value.
  function applyConditions(root) {
    var scope = root || document;
    scope.querySelectorAll("[data-when]").forEach(function (el) {
      var parts = el.getAttribute("data-when").split("=");
      var form = el.closest("form") || document;
      var checked = form.querySelector('input[name="' + parts[0] + '"]:checked');
      var show = checked !== null && checked.value === parts[1];
      el.hidden = !show;
      el.querySelectorAll("input, textarea, select").forEach(function (input) {
        input.disabled = !show;
      });
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("input[type=radio]")) applyConditions();
  });
  document.addEventListener("DOMContentLoaded", function () { applyConditions(); });
  document.addEventListener("htmx:afterSettle", function (event) { applyConditions(event.target); });

  // Print buttons.
  document.addEventListener("click", function (event) {
    if (event.target.matches && event.target.matches("[data-print]")) window.print();
  });

  // Keep the second header row of the annex table under the first while scrolling.
  function stickHeaders() {
    document.querySelectorAll("table.annex").forEach(function (table) {
      // A group cell (colspan) is one row high; the rowspan cells span both header rows.
      var first = table.querySelector("thead tr:first-child th[colspan]");
      if (first) table.style.setProperty("--head1", first.getBoundingClientRect().height + "px");
    });
  }
  document.addEventListener("DOMContentLoaded", stickHeaders);
  document.addEventListener("htmx:afterSettle", stickHeaders);
  window.addEventListener("resize", stickHeaders);
})();
