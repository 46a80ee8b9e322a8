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
  document.addEventListener("htmx:sendError", function (event) {
    if (event.detail.elt.closest("[hx-swap=none]")) return;  // a live check: the save will say
    if (event.detail.elt.closest("form[data-draft]")) return;  // kept in the outbox (below)
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
        // Unless what the swap put above it (a note on the phone's clock) pushed it off the screen.
        var box = done.getBoundingClientRect();
        if (box.top < 0 || box.bottom > window.innerHeight) done.scrollIntoView({ block: "nearest" });
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

  // --- Nothing typed is lost (SPEC "Field conditions") ---------------------------------------
  // A form with data-draft="user:report:pairing:week" is kept on the phone (localStorage) as it
  // is typed, and put back when the page opens again; the server's confirmation clears it. A save
  // that cannot reach the server (no signal, or a session that has expired) goes into the outbox
  // and is sent by itself when the connection returns or the user has logged in again: the same
  // idempotent save, so the report is stored once.
  var DRAFTS = "bangfu:draft:", OUTBOX = "bangfu:outbox:";

  function keep(key, value) {
    try {
      if (value === null) localStorage.removeItem(key); else localStorage.setItem(key, JSON.stringify(value));
    } catch (e) { /* storage full or refused: the page still holds what was typed */ }
  }
  function kept(key) {
    try { var text = localStorage.getItem(key); return text ? JSON.parse(text) : null; } catch (e) { return null; }
  }
  function clock(ms) {
    var d = new Date(ms);
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }
  function statusOf(form) { return form && form.querySelector(".draft-status"); }
  function tell(form, text) {
    var box = statusOf(form);
    if (!box) return;
    box.textContent = text;
    box.setAttribute("data-state", text.indexOf("已存手机") === 0 || text.indexOf("登录已过期") === 0 ? "waiting" :
      text.indexOf("已发送") === 0 ? "sent" : text.indexOf("未能发送") === 0 ? "refused" : "draft");
  }
  function draftForm(key) {
    var found = null;
    document.querySelectorAll("form[data-draft]").forEach(function (form) {
      if (form.getAttribute("data-draft") === key) found = form;
    });
    return found;
  }
  function valuesOf(form) {
    var out = {};
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrf_token" && typeof value === "string") out[name] = value;
    });
    return out;
  }
  function putBack(form, values) {
    Object.keys(values).forEach(function (name) {
      form.querySelectorAll('[name="' + name + '"]').forEach(function (input) {
        if (input.type === "radio" || input.type === "checkbox") input.checked = input.value === values[name];
        else if (input.type !== "hidden" && input.type !== "file") input.value = values[name];
      });
    });
  }

  function openDrafts(root) {
    (root || document).querySelectorAll("form[data-draft]").forEach(function (form) {
      if (form.hasAttribute("data-draft-open")) return;
      form.setAttribute("data-draft-open", "");
      var key = form.getAttribute("data-draft");
      var waiting = kept(OUTBOX + key);
      var draft = kept(DRAFTS + key);
      if (draft) {
        putBack(form, draft.values);
        applyConditions(form);
        tell(form, waiting ? "已存手机，待发送（" + clock(waiting.at) + " 保存）：有网络时自动发送" :
          "已恢复手机上保存的草稿（" + clock(draft.at) + "）");
        form.dispatchEvent(new Event("change", { bubbles: true }));  // the live checks, again
      }
    });
  }
  var typing = null;
  function keepDraft(event) {
    var form = event.target.closest && event.target.closest("form[data-draft]");
    if (!form) return;
    clearTimeout(typing);
    typing = setTimeout(function () {
      if (!form.isConnected) return;  // replaced by the server's answer meanwhile
      var now = Date.now(), key = form.getAttribute("data-draft"), values = valuesOf(form);
      keep(DRAFTS + key, { values: values, at: now });
      var waiting = kept(OUTBOX + key);
      if (!waiting) {
        tell(form, "草稿已保存在手机（" + clock(now) + "）");
        return;
      }
      // Changed after the save that waits: what will be sent is what the form holds now.
      var body = new URLSearchParams(values);
      var action = new URLSearchParams(waiting.body).get("action");
      if (action) body.set("action", action);
      body.set("client_saved_at", new Date(now).toISOString());
      waiting.body = body.toString();
      waiting.at = now;
      keep(OUTBOX + key, waiting);
      tell(form, "已存手机，待发送（" + clock(now) + "）：有网络时自动发送");
    }, 300);
  }
  document.addEventListener("input", keepDraft);
  document.addEventListener("change", function (event) { if (event.isTrusted) keepDraft(event); });

  // What each save sends, so that a failed one can be sent again just as it was.
  var sending = {};
  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt.closest && event.detail.elt.closest("form[data-draft]");
    if (!form || event.detail.elt !== form) return;
    // When the phone saved it: a save sent later from the outbox carries it, and the county sees
    // it beside the server's receive time (which alone judges lateness).
    event.detail.parameters["client_saved_at"] = new Date().toISOString();
    var body = new URLSearchParams();
    (event.detail.formData || event.detail.parameters).forEach(function (value, name) {
      if (typeof value === "string" && name !== "csrf_token") body.append(name, value);
    });
    sending[form.getAttribute("data-draft")] = { url: event.detail.path, body: body.toString() };
  });
  function toOutbox(form, why) {
    clearTimeout(typing);
    var key = form.getAttribute("data-draft");
    var request = sending[key];
    if (!request) return;
    var now = Date.now();
    keep(DRAFTS + key, { values: valuesOf(form), at: now });
    keep(OUTBOX + key, { url: request.url, body: request.body, at: now, user: document.body.getAttribute("data-user") });
    if (why !== "login") {
      tell(form, "已存手机，待发送（" + clock(now) + "）：有网络时自动发送");
      return;
    }
    tell(form, "登录已过期：已存手机，请重新登录，登录后自动发送。");
    var again = document.createElement("a");
    again.href = "/login?next=" + encodeURIComponent(location.pathname);
    again.textContent = "重新登录";
    statusOf(form).appendChild(again);
  }
  document.addEventListener("htmx:sendError", function (event) {
    var form = event.detail.elt.closest("form[data-draft]");
    if (form && event.detail.elt === form) toOutbox(form, "offline");
  });
  // The element that made the request (htmx:beforeSwap is dispatched on the swap's target).
  function savingForm(event) {
    var config = event.detail.requestConfig;
    var elt = (config && config.elt) || event.detail.elt;
    return elt && elt.matches && elt.matches("form[data-draft]") ? elt : null;
  }
  document.addEventListener("htmx:beforeOnLoad", function (event) {
    var form = savingForm(event);
    var xhr = event.detail.xhr;
    var to = xhr && xhr.getResponseHeader("HX-Redirect");
    var elt = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (to && to.indexOf("/login") === 0 && elt && elt.closest && elt.closest("[hx-swap=none]")) {
      // A live check while the session has ended: stay on the page, with what was typed; the
      // save itself will keep it in the outbox and ask to log in.
      event.preventDefault();
      return;
    }
    // A session that has ended: the login page (HX-Redirect), or, when the browser no longer has
    // the session's cookie, the CSRF check's 403 (a form only a writer is shown).
    if (form && ((to && to.indexOf("/login") === 0) || xhr.status === 403)) {
      toOutbox(form, "login");
    }
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var form = savingForm(event);
    if (form && event.detail.xhr.status === 200 &&
        !event.detail.xhr.getResponseHeader("HX-Redirect")) {
      var key = form.getAttribute("data-draft");
      clearTimeout(typing);
      keep(DRAFTS + key, null);  // the server has it
      keep(OUTBOX + key, null);
    }
  });

  function token() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRF-Token"]; } catch (e) { return ""; }
  }
  var flushing = false;
  function sendOutbox() {
    var user = document.body.getAttribute("data-user");
    var waiting = Object.keys(localStorage).filter(function (name) { return name.indexOf(OUTBOX) === 0; });
    var note = document.getElementById("outbox-waiting");
    if (note) note.hidden = waiting.length === 0;
    if (!user || flushing || !navigator.onLine) return;
    waiting = waiting.filter(function (name) { var entry = kept(name); return entry && entry.user === user; });
    if (!waiting.length) return;
    flushing = true;
    var next = function () {
      var name = waiting.shift();
      if (!name) { flushing = false; return; }
      var key = name.slice(OUTBOX.length), entry = kept(name);
      fetch(entry.url, {
        method: "POST", credentials: "same-origin", body: entry.body,
        headers: { "Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": token(), "HX-Request": "true" },
      }).then(function (answer) {
        if (answer.headers.get("HX-Redirect") || answer.status === 401 || answer.status === 403) return null;
        return answer.text().then(function (html) {
          var form = draftForm(key);
          if (answer.ok) {
            keep(name, null);
            keep(DRAFTS + key, null);
          } else if (answer.status === 422) {
            keep(name, null);  // refused: the draft stays, for the user to correct
          } else {
            return;  // the server is busy: try again later
          }
          if (form) {
            var main = document.getElementById("main");
            main.innerHTML = html;
            htmx.process(main);
            applyConditions(main);
            openDrafts(main);
            form = draftForm(key);
            tell(form, answer.ok ? "已发送（" + clock(Date.now()) + "）" : "未能发送：内容需要修改，请按提示修改后重新报送");
          }
        });
      }).catch(function () { /* still no signal: it waits */ }).then(next);
    };
    next();
  }
  document.addEventListener("DOMContentLoaded", function () { openDrafts(); sendOutbox(); });
  document.addEventListener("htmx:afterSettle", function (event) { openDrafts(event.target); });
  window.addEventListener("online", sendOutbox);

  // The site opens without signal (static/sw.js). Registered once the page has loaded, so the
  // worker's download does not compete with the page's on a weak signal. Logging out removes the
  // pages kept for this user.
  function registerWorker() { navigator.serviceWorker.register("/sw.js").catch(function () {}); }
  if ("serviceWorker" in navigator) {
    if (document.readyState === "complete") registerWorker();
    else window.addEventListener("load", registerWorker);
  }
  document.addEventListener("submit", function (event) {
    if (event.target.matches('form[action="/logout"]') && window.caches) caches.delete("bangfu-pages-v1");
  });

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

  // The annex table's 序号 · 帮扶村 · 结对帮扶单位 stay at the left while it scrolls sideways: each
  // sticks where the columns before it end (the CSS holds fixed offsets for a page without script).
  function stickLead() {
    document.querySelectorAll("table.annex").forEach(function (table) {
      var lead = table.querySelectorAll("thead tr:first-child th[rowspan]");
      var left = 0;
      for (var i = 0; i < lead.length && i < 3; i++) {
        table.style.setProperty("--lead" + i, left + "px");
        left += lead[i].getBoundingClientRect().width;
      }
    });
  }
  document.addEventListener("DOMContentLoaded", stickLead);
  document.addEventListener("htmx:afterSettle", stickLead);
  window.addEventListener("resize", stickLead);

  // The county table's view: an address without the empty parameters (?filter=missing, not
  // ?q=&filter=missing&sort=seq), so a link copied from it reads as what it shows.
  document.addEventListener("htmx:configRequest", function (event) {
    if (!event.detail.elt.closest || !event.detail.elt.closest("#table-view")) return;
    var params = event.detail.parameters;
    ["q", "filter"].forEach(function (name) { if (!params[name]) delete params[name]; });
    if (params.sort === "seq") delete params.sort;
  });

  // <input type=checkbox data-pick-all="form-id">: ticks or clears every box of that form.
  document.addEventListener("change", function (event) {
    var all = event.target.closest && event.target.closest("[data-pick-all]");
    if (!all) return;
    var id = all.getAttribute("data-pick-all");
    document.querySelectorAll('input[type=checkbox][form="' + id + '"]').forEach(function (box) {
      box.checked = all.checked;
    });
  });
})();
