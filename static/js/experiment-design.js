// Live plan on the test design page: as the user types, ask the server for the sample size
// and duration (the same calculation as the "Calculate" button). Without JavaScript the
// button does the same job, so this file is only an enhancement.
(function () {
  "use strict";
  var form = document.getElementById("design-form");
  if (!form || form.dataset.locked === "true") { return; }
  var url = form.dataset.calculateUrl;
  var box = document.getElementById("design-plan");
  var timer = null;
  var seq = 0;

  function kind() {
    var checked = form.querySelector("input[name='metric_kind']:checked");
    return checked ? checked.value : "conversion";
  }

  function toggleSd() {
    var group = document.getElementById("sd-group");
    if (group) { group.hidden = kind() !== "continuous"; }
  }

  function text(tag, cls, value, id) {
    var el = document.createElement(tag);
    if (cls) { el.className = cls; }
    if (id) { el.id = id; }
    el.textContent = value;
    return el;
  }

  function show(plan) {
    box.replaceChildren();
    if (!plan.ok) {
      box.appendChild(text("p", "text-muted mb-1", box.dataset.incomplete, "plan-empty"));
      var shown = 0;
      Object.keys(plan.errors || {}).forEach(function (field) {
        if (shown < 2) { box.appendChild(text("p", "small mb-0", plan.errors[field][0])); shown += 1; }
      });
      return;
    }
    box.appendChild(text("p", "display-6 mb-0 score", plan.per_variant_text, "plan-per-variant"));
    box.appendChild(text("p", "mb-2", plan.per_variant_label));
    box.appendChild(text("p", "mb-1", plan.total_text, "plan-total"));
    box.appendChild(text("p", "mb-0 fw-semibold", plan.duration_text, "plan-duration"));
    if (plan.warning) {
      box.appendChild(text("p", "small text-warning-emphasis mt-2 mb-0", "⚠ " + plan.warning));
    }
    if (plan.underpowered_text) {
      box.appendChild(text("p", "small text-warning-emphasis mt-2 mb-0", "⚠ " + plan.underpowered_text, "plan-underpowered"));
    }
  }

  function refresh() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (key !== "csrf_token" && key !== "save" && typeof value === "string") { params.append(key, value); }
    });
    var mine = ++seq;
    fetch(url + "?" + params.toString(), { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (plan) { if (plan && mine === seq) { show(plan); } })
      .catch(function () { /* the Calculate button still works */ });
  }

  form.addEventListener("input", function () {
    toggleSd();
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 300);
  });
  form.addEventListener("change", toggleSd);
  toggleSd();
})();
