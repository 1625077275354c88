// Upload progress for results files. Forms marked data-progress post through XHR so the
// page can show how much of a large file has been sent; without JavaScript they post
// normally (the browser shows its own progress). After the upload the server reduces the
// file in one streaming pass, which may take a while for very large files.
(function () {
  "use strict";

  function bind(form) {
    var bar = form.querySelector(".upload-progress");
    var fill = bar ? bar.querySelector(".progress-bar") : null;
    var note = form.querySelector(".upload-note");

    function say(message) { if (note) { note.textContent = message; } }

    form.addEventListener("submit", function (event) {
      if (!window.XMLHttpRequest || !window.FormData || !bar) { return; }
      event.preventDefault();
      var button = form.querySelector("button[type='submit']");
      if (button) { button.disabled = true; }
      bar.hidden = false;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) { return; }
        var pct = Math.round((e.loaded / e.total) * 100);
        fill.style.width = pct + "%";
        bar.setAttribute("aria-valuenow", String(pct));
        fill.textContent = pct + "%";
        say(pct < 100 ? form.dataset.sending.replace("{pct}", String(pct)) : form.dataset.computing);
      });
      xhr.addEventListener("load", function () {
        var landed = (xhr.responseURL || "").split("#")[0];
        var saved = landed && landed !== form.action;  // redirected after a successful save
        if (saved && new URL(landed).pathname !== window.location.pathname) {
          window.location.assign(landed + "#analysis");
          return;
        }
        // Show the page the server answered with (the analysis, or the form with its errors).
        var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var fresh = doc.querySelector("main");
        var main = document.querySelector("main");
        if (fresh && main) {
          main.replaceWith(fresh);
          init();
          var target = saved ? fresh.querySelector("#analysis")
            : fresh.querySelector(".alert-danger, .invalid-feedback");
          if (saved) { window.history.replaceState(null, "", landed + "#analysis"); }
          if (target) { target.scrollIntoView({ block: saved ? "start" : "center" }); }
        } else {
          say(form.dataset.failed);
          if (button) { button.disabled = false; }
        }
      });
      xhr.addEventListener("error", function () {
        say(form.dataset.failed);
        if (button) { button.disabled = false; }
      });
      xhr.send(new FormData(form));
    });
  }

  function init() {
    document.querySelectorAll("form[data-progress]").forEach(bind);
  }
  init();
})();
