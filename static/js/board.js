// The board: drag-and-drop and arrow-key moves on top of each card's "Move…" menu.
// Without JavaScript the menu's buttons post and the page reloads. With it, a move (menu,
// drop or arrow key) posts the same form in the background, the board and the server's
// message are swapped in, the message is read out (aria-live) and focus returns to the card.
// Every move goes to the server: it decides (permissions, limits) and says why it refused.
(function () {
  "use strict";

  var board = document.getElementById("board");
  if (!board || !window.fetch || !window.FormData || !window.DOMParser) { return; }
  var announce = document.getElementById("board-announce");
  var dragging = null;

  function columns() {
    return Array.prototype.map.call(board.querySelectorAll(".board-column"), function (c) {
      return c.getAttribute("data-column");
    });
  }

  function say(text) {
    announce.textContent = "";
    window.setTimeout(function () { announce.textContent = text; }, 60);
  }

  function enable() {
    Array.prototype.forEach.call(board.querySelectorAll(".board-card"), function (card) {
      if (card.querySelector(".board-menu")) { card.setAttribute("draggable", "true"); }
    });
  }

  function showAlerts(doc) {
    var main = document.getElementById("content");
    Array.prototype.forEach.call(main.querySelectorAll(":scope > .alert"), function (old) {
      old.remove();
    });
    var alerts = doc ? doc.querySelectorAll("#content > .alert") : [];
    var texts = [];
    Array.prototype.forEach.call(alerts, function (alert) {
      var copy = document.importNode(alert, true);
      copy.removeAttribute("role"); // read out once, by the board's live region
      main.insertBefore(copy, main.firstChild);
      texts.push(alert.textContent.trim());
    });
    return texts.join(" ");
  }

  function swap(doc, id) {
    var fresh = doc.getElementById("board");
    if (!fresh) { return false; }
    ["backlog-health"].forEach(function (name) {
      var now = document.getElementById(name), next = doc.getElementById(name);
      if (now && next) { now.replaceWith(document.importNode(next, true)); }
    });
    board.innerHTML = fresh.innerHTML;
    enable();
    say(showAlerts(doc));
    var card = document.getElementById("card-" + id);
    if (card) {
      card.classList.add("board-moved");
      var target = card.querySelector(".board-menu > summary") || card.querySelector("a");
      if (target) { target.focus(); }
      card.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
    return true;
  }

  function send(card, to) {
    var id = card.getAttribute("data-id");
    var data = new FormData();
    data.append("csrf_token", board.getAttribute("data-token"));
    data.append("version", card.getAttribute("data-version"));
    data.append("to", to);
    var title = card.querySelector(".board-card-title").textContent.trim();
    say(board.getAttribute("data-picked").replace("%(title)s", title));
    return fetch(card.getAttribute("data-move-url"), {
      method: "POST", body: data, credentials: "same-origin"
    }).then(function (response) {
      if (response.status === 403) {
        showAlerts(null);
        say(board.getAttribute("data-forbidden"));
        return;
      }
      return response.text().then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        if (response.ok && swap(doc, id)) { return; }
        // An error page (an expired form, say): read out what it says; else start afresh.
        var main = !response.ok && doc.getElementById("content");
        if (main) { say(main.textContent.replace(/\s+/g, " ").trim()); }
        else { window.location.reload(); }
      });
    }).catch(function () { say(board.getAttribute("data-failed")); });
  }

  // The menu's buttons: the same post, without leaving the page.
  board.addEventListener("submit", function (event) {
    var form = event.target.closest(".board-move");
    var card = form && form.closest(".board-card");
    if (!card) { return; }
    event.preventDefault();
    send(card, form.getAttribute("data-to"));
  });

  // Arrow keys on a card's menu button move it one column left or right.
  board.addEventListener("keydown", function (event) {
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") { return; }
    var summary = event.target.closest(".board-menu > summary");
    var card = summary && summary.closest(".board-card");
    if (!card) { return; }
    event.preventDefault();
    var order = columns();
    var here = order.indexOf(card.getAttribute("data-status"));
    var there = here + (event.key === "ArrowRight" ? 1 : -1);
    if (here < 0 || there < 0 || there >= order.length) { return; }
    send(card, order[there]);
  });

  board.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".board-card[draggable='true']");
    if (!card) { return; }
    dragging = card;
    card.classList.add("board-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-id"));
  });

  board.addEventListener("dragend", function () {
    if (dragging) { dragging.classList.remove("board-dragging"); }
    dragging = null;
    Array.prototype.forEach.call(board.querySelectorAll(".board-drop"), function (c) {
      c.classList.remove("board-drop");
    });
  });

  board.addEventListener("dragover", function (event) {
    var column = dragging && event.target.closest(".board-column");
    if (!column) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    Array.prototype.forEach.call(board.querySelectorAll(".board-drop"), function (c) {
      if (c !== column) { c.classList.remove("board-drop"); }
    });
    column.classList.add("board-drop");
  });

  board.addEventListener("drop", function (event) {
    var column = dragging && event.target.closest(".board-column");
    if (!column) { return; }
    event.preventDefault();
    var card = dragging;
    column.classList.remove("board-drop");
    var to = column.getAttribute("data-column");
    if (to !== card.getAttribute("data-status")) { send(card, to); }
  });

  enable();
})();
