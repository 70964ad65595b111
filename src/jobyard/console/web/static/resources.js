// ConfigMaps, Secrets and pull Secrets made from a dialog: key/value rows, a JSON post to the API with
// the session's CSRF token, its field errors shown in place. Then either the page's list block is
// fetched again (htmx, data-refresh) or, in the wizard, the field that opened the dialog gets the name.
(function () {
  "use strict";
  const body = document.body;
  let fillTarget = null;

  function rowsOf(form) {
    const data = {};
    form.querySelectorAll("[data-rows] [data-row]").forEach(function (row) {
      const key = row.querySelector("[data-key]").value.trim();
      if (key) data[key] = row.querySelector("[data-value]").value;
    });
    return data;
  }

  function payloadOf(form) {
    const payload = {};
    Array.from(form.elements).forEach(function (el) {
      if (el.name && !el.disabled) payload[el.name] = el.value;
    });
    if (form.querySelector("[data-rows]")) payload.data = rowsOf(form);
    return payload;
  }

  function showErrors(form, data) {
    form.querySelectorAll("[data-error-for]").forEach(function (el) { el.textContent = ""; });
    const unplaced = [];
    ((data && data.fields) || []).forEach(function (field) {
      const target = form.querySelector('[data-error-for="' + CSS.escape(field.path) + '"]');
      if (target) target.textContent = field.message; else unplaced.push(field.message);
    });
    const summary = form.querySelector(".form-error");
    if (summary) summary.textContent = [(data && data.message) || ""].concat(unplaced).filter(Boolean).join(" ");
  }

  function toast(message) {
    const region = document.getElementById("toasts");
    if (!region || !message) return;
    const item = document.createElement("div");
    item.className = "toast ok";
    item.textContent = message;
    region.appendChild(item);
    setTimeout(function () { item.remove(); }, 3000);
  }

  function resetRows(form) {
    form.querySelectorAll("[data-rows]").forEach(function (rows) {
      const all = rows.querySelectorAll("[data-row]");
      all.forEach(function (row, index) { if (index > 0) row.remove(); });
    });
    form.reset();
    showErrors(form, null);
  }

  document.addEventListener("submit", async function (event) {
    const form = event.target;
    if (!form.hasAttribute("data-object-form")) return;
    event.preventDefault();
    const submit = form.querySelector('[type="submit"]');
    if (submit) submit.disabled = true;
    let response = null;
    let data = null;
    try {
      response = await fetch(form.dataset.url, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "X-CSRF-Token": body.dataset.csrf || "",
          "Accept-Language": body.dataset.lang || "en",
          "Content-Type": "application/json",
          Accept: "application/json",
        },
        body: JSON.stringify(payloadOf(form)),
      });
      data = await response.json();
    } catch (error) {
      data = data || { message: String(error) };
    }
    if (submit) submit.disabled = false;
    if (!response || !response.ok) { showErrors(form, data); return; }
    const name = data.name;
    resetRows(form);
    form.closest("dialog").close();
    toast(form.dataset.done);
    if (fillTarget) {
      fillTarget.value = name;
      const list = document.getElementById(fillTarget.getAttribute("list") || "");
      if (list) { const option = document.createElement("option"); option.value = name; list.appendChild(option); }
      fillTarget.focus();
      fillTarget = null;
    } else if (form.dataset.refresh && document.getElementById(form.dataset.refresh) && window.htmx) {
      window.htmx.ajax("GET", window.location.pathname, { target: "#" + form.dataset.refresh, swap: "outerHTML" });
    } else {
      window.location.reload();
    }
  });

  document.addEventListener("click", function (event) {
    const add = event.target.closest("[data-add-row]");
    if (add) {
      const rows = add.closest("[data-rows]");
      const copy = rows.querySelector("[data-row]").cloneNode(true);
      copy.querySelectorAll("input, textarea").forEach(function (el) { el.value = ""; });
      rows.insertBefore(copy, add);
      copy.querySelector("[data-key]").focus();
      return;
    }
    const remove = event.target.closest("[data-remove-row]");
    if (remove) {
      const row = remove.closest("[data-row]");
      if (row.parentNode.querySelectorAll("[data-row]").length > 1) row.remove();
      else row.querySelectorAll("input, textarea").forEach(function (el) { el.value = ""; });
      return;
    }
    // The wizard's "create one" beside a pull secret field: the dialog posts to that form's namespace.
    const create = event.target.closest("[data-create-pull-secret]");
    if (create) {
      let dialog = document.getElementById("pull-secret-dialog");
      const template = document.getElementById("pull-secret-template");
      if (!dialog && template) {
        document.body.appendChild(template.content.cloneNode(true));
        dialog = document.getElementById("pull-secret-dialog");
        dialog.dataset.fromTemplate = "1";
      }
      if (!dialog) return;
      fillTarget = document.getElementById(create.dataset.createPullSecret);
      dialog.querySelector("form").dataset.url = create.dataset.url;
      dialog.showModal();
      return;
    }
  });

  // A dialog closed without creating fills nothing; one made from the wizard's template goes again.
  document.addEventListener("close", function (event) {
    const dialog = event.target;
    if (dialog.id !== "pull-secret-dialog") return;
    setTimeout(function () { fillTarget = null; }, 0);
    if (dialog.dataset.fromTemplate) dialog.remove();
  }, true);
})();
