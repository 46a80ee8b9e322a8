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
    if (event.target.matches && event.target.matches("input[type=file][data-max-bytes]")) checkSize(event.target);
  });

  // <input type=file data-max-bytes=N data-too-large="...">: a file over N is refused here, before
  // a weak connection spends minutes sending what the server would refuse (413).
  function checkSize(input) {
    var limit = Number(input.getAttribute("data-max-bytes"));
    var file = input.files && input.files[0];
    var message = file && file.size > limit ? input.getAttribute("data-too-large") : "";
    input.setCustomValidity(message);
    var box = document.getElementById(input.getAttribute("aria-describedby"));
    if (box) box.textContent = message;
    var field = input.closest(".field");
    if (field) field.classList.toggle("invalid", message !== "");
    if (message) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
  }
  document.addEventListener("DOMContentLoaded", function () { applyConditions(); });
  document.addEventListener("htmx:afterSettle", function (event) { applyConditions(event.target); });

  // The message area: cleared when the next request starts; a server error says so there.
  var flash = function () { return document.getElementById("flash"); };
  document.addEventListener("htmx:beforeRequest", function (event) {
    var box = flash();
    if (box && !event.detail.elt.closest("[hx-swap=none]")) box.innerHTML = "";
  });
  function say(text) {
    var box = flash();
    if (!box) return;
    var alert = document.createElement("div");
    alert.className = "alert";
    alert.setAttribute("role", "alert");
    alert.textContent = text;
    box.replaceChildren(alert);
  }
  document.addEventListener("htmx:responseError", function (event) {
    if (event.detail.xhr.status === 413) say("提交的内容过大，未保存：上传的文件不能超过 50 MB，请拆分后分别导入。");
    if (event.detail.xhr.status >= 500) say("服务器出错（" + event.detail.xhr.status + "），请稍后重试；已填写的内容仍在页面上。");
  });
  document.addEventListener("htmx:sendError", function () {
    say("网络连接中断，请检查网络后重试；已填写的内容仍在页面上。");
  });

  // After a refused save, take the user to the first field that needs them.
  document.addEventListener("htmx:afterSwap", function (event) {
    // A swap from history (the back button) has no request behind it.
    var xhr = event.detail.xhr;
    if (xhr && xhr.status === 200) {
      // A save's result: read out and focused where it is announced, and shown beside the
      // button the user is looking at (.saved), so the page does not jump away from it.
      var done = document.querySelector("#main p.success[role=status]");
      if (done) {
        done.setAttribute("tabindex", "-1");
        done.focus({ preventScroll: true });
      }
      return;
    }
    if (!xhr || xhr.status !== 422) return;
    // The field itself, not the summary above the form (which may be a screen or more away).
    var target = document.querySelector(".field.invalid input:not([type=hidden]):not([disabled]), .field.invalid textarea") ||
      document.querySelector(".alert");
    if (target) {
      if (!target.hasAttribute("tabindex") && target.classList.contains("alert")) target.setAttribute("tabindex", "-1");
      target.focus();
      target.scrollIntoView({ block: "center" });
    }
  });

  // The header's menu on a narrow screen: closed until asked for. Without this script (or on a
  // wide screen) the menu is simply shown.
  document.documentElement.classList.add("js");
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest(".menu-toggle");
    if (!toggle) return;
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    toggle.closest(".topbar").classList.toggle("open", open);
  });

  // A table wider than its box scrolls inside it: the box is a named region a keyboard can reach
  // and scroll with the arrow keys (WCAG 2.1.1), whatever the screen's width.
  function reachableScrolling(root) {
    (root || document).querySelectorAll(".table-wrap, .table-scroll, table.list").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("data-scroll-box", "");
        if (!box.hasAttribute("role") && box.tagName !== "TABLE") box.setAttribute("role", "region");
        if (!box.hasAttribute("aria-label")) {
          var caption = box.querySelector("caption");
          var heading = box.previousElementSibling;
          var name = caption ? caption.textContent : heading && /^H[1-6]$/.test(heading.tagName) ? heading.textContent : "";
          box.setAttribute("aria-label", (name.trim() || "表格") + "（可左右滚动）");
        }
      } else if (!scrolls && box.hasAttribute("data-scroll-box")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-scroll-box");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { reachableScrolling(); });
  document.addEventListener("htmx:afterSettle", function () { reachableScrolling(); });
  window.addEventListener("resize", function () { reachableScrolling(); });

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
