// @mention autocomplete for comment boxes: textarea[data-mentions-url] lists the team's
// members (JSON {members: [{id, name}]}, fetched once) when "@" starts a word; arrow keys or
// the mouse choose, Enter or Tab inserts "@Name ", Escape closes. Without JavaScript the
// comment box still works: typing "@Name" by hand mentions the same way.
(function () {
  "use strict";
  var MAX_QUERY = 40;
  var MAX_SHOWN = 8;

  function setup(box) {
    var people = null;
    var loading = null;
    var list = document.createElement("ul");
    var shown = [];
    var active = -1;
    var start = -1;
    list.id = box.id + "-mentions";
    list.className = "list-group position-absolute shadow-sm mention-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", box.getAttribute("data-mentions-label") || "@");
    list.hidden = true;
    list.style.zIndex = "1050";
    list.style.minWidth = "14rem";
    box.parentNode.appendChild(list);
    box.setAttribute("aria-autocomplete", "list");
    box.setAttribute("aria-controls", list.id);
    // No aria-expanded: a textarea (role textbox) may not carry it (axe: aria-allowed-attr).

    function load() {
      if (people || loading) return loading;
      loading = fetch(box.getAttribute("data-mentions-url"), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (r) { return r.ok ? r.json() : { members: [] }; })
        .then(function (data) { people = data.members || []; })
        .catch(function () { people = []; });
      return loading;
    }

    function close() {
      list.hidden = true;
      list.textContent = "";
      shown = [];
      active = -1;
      start = -1;
      box.removeAttribute("aria-activedescendant");
    }

    function query() {
      // The text between an "@" that starts a word and the caret, or null.
      var caret = box.selectionStart;
      var text = box.value.slice(0, caret);
      var at = text.lastIndexOf("@");
      if (at < 0 || caret - at - 1 > MAX_QUERY) return null;
      if (at > 0 && /[\p{L}\p{N}_]/u.test(text.charAt(at - 1))) return null;
      var typed = text.slice(at + 1);
      if (/[\n@]/.test(typed) || /^\s/.test(typed)) return null;
      return { at: at, text: typed.toLowerCase() };
    }

    function matches(person, typed) {
      var name = person.name.toLowerCase();
      if (name.indexOf(typed) === 0) return true;
      return name.split(/\s+/).some(function (word) { return word.indexOf(typed) === 0; });
    }

    function highlight(index) {
      var items = list.querySelectorAll("li");
      items.forEach(function (li, i) {
        var on = i === index;
        li.classList.toggle("active", on);
        li.setAttribute("aria-selected", on ? "true" : "false");
      });
      active = index;
      if (index >= 0) box.setAttribute("aria-activedescendant", items[index].id);
      else box.removeAttribute("aria-activedescendant");
    }

    function pick(index) {
      var person = shown[index];
      if (!person) return;
      var before = box.value.slice(0, start);
      var after = box.value.slice(box.selectionStart);
      var inserted = "@" + person.name + " ";
      box.value = before + inserted + after;
      var caret = before.length + inserted.length;
      box.setSelectionRange(caret, caret);
      close();
      box.focus();
    }

    function update() {
      var q = query();
      if (!q) { close(); return; }
      load().then(function () {
        var again = query();
        if (!again || again.at !== q.at) return;
        shown = people.filter(function (p) { return matches(p, again.text); }).slice(0, MAX_SHOWN);
        if (!shown.length) { close(); return; }
        start = again.at;
        list.textContent = "";
        shown.forEach(function (person, i) {
          var li = document.createElement("li");
          li.id = list.id + "-" + i;
          li.className = "list-group-item list-group-item-action py-1";
          li.setAttribute("role", "option");
          li.textContent = person.name;
          li.addEventListener("mousedown", function (event) {
            event.preventDefault();  // keep the focus in the box
            pick(i);
          });
          list.appendChild(li);
        });
        list.hidden = false;
        highlight(0);
      });
    }

    box.addEventListener("input", update);
    box.addEventListener("click", update);
    box.addEventListener("blur", function () { window.setTimeout(close, 150); });
    box.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        var step = event.key === "ArrowDown" ? 1 : -1;
        highlight((active + step + shown.length) % shown.length);
      } else if (event.key === "Enter" || event.key === "Tab") {
        if (active >= 0) {
          event.preventDefault();
          pick(active);
        }
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
  }

  document.querySelectorAll("textarea[data-mentions-url]").forEach(setup);
})();
