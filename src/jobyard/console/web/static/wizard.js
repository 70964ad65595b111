// The create wizard's few client-side behaviours: container tabs and sub-tabs, fields shown by
// the type chosen, the image picker. Everything else (steps, rows, checks) is the server's.
(function () {
  "use strict";

  function tabState(form) {
    return form && form.querySelector('input[name="tab"]');
  }

  function select(tab, tabs, panelOf) {
    tabs.forEach(function (other) {
      const on = other === tab;
      other.setAttribute("aria-selected", on ? "true" : "false");
      other.tabIndex = on ? 0 : -1;
      const panel = panelOf(other);
      if (panel) panel.hidden = !on;
    });
  }

  function containerTabs(list) {
    return Array.from(list.querySelectorAll('[role="tab"]'));
  }

  function activate(tab) {
    const list = tab.closest('[role="tablist"]');
    const form = tab.closest("form");
    const tabs = containerTabs(list);
    select(tab, tabs, function (t) { return document.getElementById(t.getAttribute("aria-controls")); });
    const state = tabState(form);
    if (!state) return;
    if (tab.dataset.tab) {
      const panel = document.getElementById(tab.getAttribute("aria-controls"));
      const sub = panel && panel.querySelector('.subtabs [aria-selected="true"]');
      state.value = tab.dataset.tab + ":" + (sub ? sub.dataset.subtab : "basic");
    } else if (tab.dataset.subtab) {
      const parts = state.value.split(":");
      const panel = tab.closest('[role="tabpanel"]');
      const owner = panel && document.getElementById(panel.getAttribute("aria-labelledby"));
      state.value = (owner ? owner.dataset.tab : parts.slice(0, 2).join(":")) + ":" + tab.dataset.subtab;
    }
  }

  document.addEventListener("click", function (event) {
    const tab = event.target.closest('[role="tab"][data-tab], [role="tab"][data-subtab]');
    if (tab) { activate(tab); return; }
    const pick = event.target.closest("[data-pick-image]");
    if (pick) { openPicker(pick); return; }
    const image = event.target.closest("[data-image]");
    if (image) { choose(image.dataset.image); return; }
    const close = event.target.closest("[data-close-dialog]");
    if (close) close.closest("dialog").close();
  });

  // Arrow keys move between tabs, as in any tab list.
  document.addEventListener("keydown", function (event) {
    const tab = event.target.closest && event.target.closest('[role="tab"]');
    if (!tab || (event.key !== "ArrowRight" && event.key !== "ArrowLeft")) return;
    const tabs = containerTabs(tab.closest('[role="tablist"]'));
    const next = tabs[(tabs.indexOf(tab) + (event.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
    next.focus();
    activate(next);
    event.preventDefault();
  });

  function showKinds(select) {
    const root = select.closest("[data-kind-root]");
    if (!root) return;
    root.querySelectorAll("[data-kinds]").forEach(function (el) {
      el.hidden = el.dataset.kinds.split(" ").indexOf(select.value) < 0;
    });
  }

  document.addEventListener("change", function (event) {
    const el = event.target;
    if (el.matches("select[data-kind]")) showKinds(el);
    if (el.matches("input[data-toggles]")) {
      const target = document.getElementById(el.dataset.toggles);
      if (target) target.hidden = !el.checked;
    }
  });

  let pickTarget = null;

  function openPicker(button) {
    pickTarget = document.getElementById(button.dataset.pickImage);
    const dialog = document.getElementById("image-dialog");
    const form = button.closest("form");
    if (!dialog || !form) return;
    dialog.showModal();
    if (window.htmx) window.htmx.ajax("GET", form.dataset.picker, { target: "#image-picker" });
  }

  function choose(image) {
    if (pickTarget) {
      pickTarget.value = image;
      pickTarget.focus();
    }
    const dialog = document.getElementById("image-dialog");
    if (dialog) dialog.close();
  }

  // After a step comes back, put the keyboard on the first field to fix, else on the step's title.
  document.addEventListener("htmx:afterSwap", function (event) {
    const form = document.getElementById("wizard");
    if (!form || !form.contains(event.detail.elt) && event.detail.elt !== form) return;
    const invalid = form.querySelector('[aria-invalid="true"]');
    const title = document.getElementById("step-title");
    (invalid || title).focus();
  });
})();
