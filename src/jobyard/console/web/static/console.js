// jobyard console: the few behaviours htmx does not cover. Changes go to the JSON API with the
// session's CSRF token; its error bodies ({code, message, fields}) are shown where they belong.
(function () {
  "use strict";
  const body = document.body;
  const csrf = body.dataset.csrf || "";
  const lang = body.dataset.lang || "en";

  async function callApi(method, url, payload) {
    const headers = { "X-CSRF-Token": csrf, "Accept-Language": lang, Accept: "application/json" };
    const init = { method: method, headers: headers, credentials: "same-origin" };
    if (payload !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(payload);
    }
    let response;
    try {
      response = await fetch(url, init);
    } catch (error) {
      return { ok: false, status: 0, data: { message: String(error) } };
    }
    let data = null;
    try { data = await response.json(); } catch (ignored) { data = null; }
    return { ok: response.ok, status: response.status, data: data };
  }

  function toast(message, kind) {
    const region = document.getElementById("toasts");
    if (!region || !message) return;
    const item = document.createElement("div");
    item.className = "toast " + (kind || "ok");
    item.textContent = message;
    region.appendChild(item);
    setTimeout(function () { item.remove(); }, kind === "error" ? 8000 : 3000);
  }

  function showErrors(form, data) {
    form.querySelectorAll("[data-error-for]").forEach(function (el) { el.textContent = ""; });
    const summary = form.querySelector(".form-error");
    const fields = (data && data.fields) || [];
    const unplaced = [];
    fields.forEach(function (field) {
      const target = form.querySelector('[data-error-for="' + CSS.escape(field.path) + '"]');
      if (target) target.textContent = field.message; else unplaced.push(field.message);
    });
    const message = (data && data.message) || "";
    if (summary) summary.textContent = [message].concat(unplaced).filter(Boolean).join(" ");
    else toast(message, "error");
  }

  function formPayload(form) {
    const payload = {};
    Array.from(form.elements).forEach(function (el) {
      if (!el.name || el.disabled) return;
      if (el.type === "checkbox") payload[el.name] = el.checked;
      else if (el.type === "radio") { if (el.checked) payload[el.name] = el.value; }
      else if (el.value === "" && el.hasAttribute("data-optional")) return;
      else payload[el.name] = el.value;
    });
    return payload;
  }

  function done(how, message) {
    if (how === "reload") window.location.reload();
    else if (how && how.charAt(0) === "/") window.location.assign(how);
    else toast(how || message, "ok");
  }

  // Forms that post JSON to the API.
  document.addEventListener("submit", async function (event) {
    const form = event.target;
    if (!form.hasAttribute("data-api-form")) return;
    event.preventDefault();
    const result = await callApi(form.dataset.method || "POST", form.dataset.url, formPayload(form));
    if (result.ok) done(form.dataset.done);
    else showErrors(form, result.data);
  });

  document.addEventListener("click", async function (event) {
    const el = event.target.closest("button, a");
    if (!el) return;
    if (el.hasAttribute("data-open")) {
      const dialog = document.getElementById(el.dataset.open);
      if (dialog) dialog.showModal();
    } else if (el.hasAttribute("data-close")) {
      el.closest("dialog").close();
    } else if (el.hasAttribute("data-validate")) {
      const form = el.closest("form");
      const result = await callApi("POST", el.dataset.validate, formPayload(form));
      const out = form.querySelector("[data-result]");
      if (!result.ok) { showErrors(form, result.data); if (out) out.textContent = ""; return; }
      showErrors(form, null);
      const data = result.data || {};
      if (out) {
        out.className = "result " + (data.ok ? "ok" : "bad");
        out.textContent = data.message + (data.ok ? " (" + data.version + ", " + data.nodeCount + ")" : "");
      }
    } else if (el.hasAttribute("data-api")) {
      if (el.dataset.confirm && !window.confirm(el.dataset.confirm)) return;
      closeMenus();
      el.disabled = true;
      const result = await callApi(el.dataset.api, el.dataset.url);
      el.disabled = false;
      if (result.ok) done(el.dataset.done);
      else toast((result.data && result.data.message) || String(result.status), "error");
    } else if (el.hasAttribute("data-delete")) {
      closeMenus();
      openDelete(el);
    } else if (el.hasAttribute("data-confirm-delete")) {
      confirmDelete(el.closest("dialog"));
    } else if (el.hasAttribute("data-edit")) {
      closeMenus();
      openEdit(el);
    } else if (el.hasAttribute("data-add-label")) {
      addLabel(el.closest("form"), "", "").querySelector("[data-key]").focus();
    } else if (el.hasAttribute("data-remove-label")) {
      el.closest("[data-row]").remove();
    }
  });

  // Editing a live Job: parallelism, timeout, TTL and labels, sent as a merge of what changed.
  const COUNTS = ["parallelism", "activeDeadlineSeconds", "ttlSecondsAfterFinished"];
  function addLabel(form, key, value) {
    const fieldset = form.querySelector("[data-labels]");
    const row = fieldset.querySelector("template").content.firstElementChild.cloneNode(true);
    row.querySelector("[data-key]").value = key;
    row.querySelector("[data-value]").value = value;
    fieldset.insertBefore(row, fieldset.querySelector("[data-add-label]"));
    return row;
  }
  function editValues(form) {
    const values = {};
    COUNTS.forEach(function (name) {
      const raw = form.elements[name].value.trim();
      // Blank clears a timeout or TTL; anything else goes as typed, for the API to judge.
      if (raw === "") values[name] = name === "parallelism" ? raw : null;
      else values[name] = /^-?\d+$/.test(raw) ? Number(raw) : raw;
    });
    values.labels = {};
    form.querySelectorAll("[data-labels] [data-row]").forEach(function (row) {
      const key = row.querySelector("[data-key]").value.trim();
      const value = row.querySelector("[data-value]").value;
      if (key || value) values.labels[key] = value;
    });
    return values;
  }
  let editing = null;
  async function openEdit(button) {
    const dialog = document.getElementById("edit-dialog");
    const form = dialog.querySelector("form");
    const result = await callApi("GET", button.dataset.edit);
    if (!result.ok) { toast((result.data && result.data.message) || String(result.status), "error"); return; }
    const job = (result.data && result.data.job) || {};
    const spec = job.spec || {};
    const generated = JSON.parse(dialog.dataset.generated || "[]");
    form.reset();
    showErrors(form, null);
    form.querySelectorAll("[data-labels] [data-row]").forEach(function (row) { row.remove(); });
    dialog.querySelector("[data-name]").textContent = button.dataset.name;
    COUNTS.forEach(function (name) { form.elements[name].value = spec[name] == null ? "" : String(spec[name]); });
    const labels = (job.metadata && job.metadata.labels) || {};
    Object.keys(labels).sort().forEach(function (key) {
      if (generated.indexOf(key) < 0) addLabel(form, key, labels[key]);
    });
    editing = { url: button.dataset.edit, before: editValues(form) };
    dialog.showModal();
  }
  document.addEventListener("submit", async function (event) {
    const form = event.target;
    if (!form.hasAttribute("data-edit-form") || !editing) return;
    event.preventDefault();
    const values = editValues(form);
    const changes = {};
    Object.keys(values).forEach(function (name) {
      if (JSON.stringify(values[name]) !== JSON.stringify(editing.before[name])) changes[name] = values[name];
    });
    if (Object.keys(changes).length) {
      const result = await callApi("PATCH", editing.url, changes);
      if (!result.ok) { showErrors(form, result.data); return; }
      toast(form.dataset.done, "ok");
    }
    form.closest("dialog").close();
    editing = null;
  });

  // Deleting a Job asks what becomes of its pods (propagationPolicy).
  let deleting = null;
  function openDelete(button) {
    const dialog = document.getElementById("delete-dialog");
    deleting = button;
    dialog.querySelector("[data-name]").textContent = button.dataset.name;
    dialog.querySelector(".form-error").textContent = "";
    dialog.querySelector('input[value="Background"]').checked = true;
    dialog.showModal();
  }
  async function confirmDelete(dialog) {
    if (!deleting) return;
    const cascade = dialog.querySelector('input[name="cascade"]:checked').value;
    const url = deleting.dataset.delete + "?cascade=" + encodeURIComponent(cascade);
    const result = await callApi("DELETE", url);
    if (!result.ok) { dialog.querySelector(".form-error").textContent = (result.data && result.data.message) || ""; return; }
    dialog.close();
    const after = deleting.dataset.after;
    deleting = null;
    if (after) window.location.assign(after);
  }

  // Row menus: one open at a time, closed by Escape or a click elsewhere.
  function closeMenus(except) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) { if (menu !== except) menu.open = false; });
  }
  document.addEventListener("click", function (event) {
    const menu = event.target.closest("details.menu");
    closeMenus(menu);
  }, true);
  document.addEventListener("keydown", function (event) { if (event.key === "Escape") closeMenus(); });

  // A live update waits while a menu in it is open, so the menu does not vanish under the pointer.
  const held = new Map();
  document.addEventListener("htmx:sseBeforeMessage", function (event) {
    const target = event.target;
    if (target.querySelector("details.menu[open]")) {
      event.preventDefault();
      held.set(target, event.detail.data);
    }
  });
  document.addEventListener("toggle", function (event) {
    const menu = event.target;
    if (!(menu instanceof HTMLDetailsElement) || menu.open) return;
    held.forEach(function (data, target) {
      if (!target.querySelector("details.menu[open]")) {
        held.delete(target);
        htmx.swap(target, data, { swapStyle: "innerHTML" });
      }
    });
  }, true);

  // The namespace switcher goes at once.
  document.addEventListener("change", function (event) {
    if (event.target.hasAttribute("data-autosubmit")) event.target.form.submit();
  });

  // Logs: every pod's log of one container, merged with a pod prefix; follow streams new lines.
  const logs = document.querySelector("[data-logs]");
  if (logs) {
    const output = logs.querySelector("[data-output]");
    const select = logs.querySelector("select[name=container]");
    const follow = logs.querySelector("[data-follow]");
    const filter = logs.querySelector("[data-filter]");
    const download = logs.querySelector("[data-download]");
    const sources = [];
    const MAX_LINES = 5000;
    let lines = [];

    function render() {
      const needle = filter.value.toLowerCase();
      const shown = needle ? lines.filter(function (line) { return line.toLowerCase().indexOf(needle) >= 0; }) : lines;
      output.textContent = shown.join("\n");
      if (follow.checked) output.scrollTop = output.scrollHeight;
    }
    function stopFollowing() { while (sources.length) sources.pop().close(); }
    async function load() {
      stopFollowing();
      const container = encodeURIComponent(select.value || "");
      download.href = logs.dataset.logs + "?download=1&container=" + container;
      const response = await fetch(logs.dataset.logs + "?container=" + container, { credentials: "same-origin" });
      const text = response.ok ? await response.text() : "";
      lines = text ? text.replace(/\n$/, "").split("\n") : [];
      render();
      if (follow.checked) startFollowing(container);
    }
    function startFollowing(container) {
      JSON.parse(logs.dataset.pods || "[]").forEach(function (pod) {
        const url = logs.dataset.followUrl + "/" + encodeURIComponent(pod) + "/logs?follow=true&tailLines=0&container=" + container;
        const source = new EventSource(url);
        source.addEventListener("line", function (event) {
          lines.push("[" + pod + "] " + event.data);
          if (lines.length > MAX_LINES) lines = lines.slice(-MAX_LINES);
          render();
        });
        source.addEventListener("end", function () { source.close(); });
        source.addEventListener("error", function () { source.close(); });
        sources.push(source);
      });
    }
    select.addEventListener("change", load);
    follow.addEventListener("change", load);
    filter.addEventListener("input", render);
    logs.querySelector("[data-reload]").addEventListener("click", load);
    load();
  }
})();
