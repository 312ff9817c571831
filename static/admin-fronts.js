// The front editor's arrangement (issue 16): reorders the pending pins in
// the page instead of posting the form for every move. Rows can be dragged
// (the mouse), or moved with their buttons or from the keyboard: in any row,
// Alt+ArrowUp and Alt+ArrowDown move it, Alt+Home makes it the lead. Each
// move renumbers the form's fields (story_<n>, until_<n>) so that Preview
// and Publish post the order shown, and is announced in the polite live
// region. Focus stays with the moved row. Without this script the same
// buttons post the form and the server moves the row (the page is complete
// without JavaScript).
(function () {
  "use strict";
  var form = document.getElementById("front-form");
  var table = document.getElementById("front-pins");
  var announce = document.getElementById("front-announce");
  if (!form || !table || !announce) return;
  var body = table.tBodies[0];
  var dragged = null;
  var saying = null;

  function rows() {
    return Array.prototype.slice.call(body.querySelectorAll("tr.front-pin"));
  }

  function placeName(i) {
    return i === 0 ? "Lead" : "Top " + i;
  }

  // Gives every row the names and labels of its place, and shows only the
  // buttons that apply there.
  function renumber() {
    var list = rows();
    list.forEach(function (row, i) {
      row.querySelector(".front-place").textContent = placeName(i);
      row.querySelector("input[type=hidden]").name = "story_" + i;
      var until = row.querySelector(".front-until");
      until.name = "until_" + i;
      until.id = "until-" + i;
      row.querySelector("label").htmlFor = "until-" + i;
      [["front-lead", "lead"], ["front-up", "up"], ["front-down", "down"], ["front-remove", "remove"]].forEach(function (b) {
        var button = row.querySelector("." + b[0]);
        button.value = b[1] + ":" + i;
      });
      row.querySelector(".front-lead").hidden = i === 0;
      row.querySelector(".front-up").hidden = i === 0;
      row.querySelector(".front-down").hidden = i === list.length - 1;
    });
  }

  function say(text) {
    // A change of text is what screen readers announce: clear it first so
    // the same words twice are read twice.
    announce.textContent = "";
    window.clearTimeout(saying);
    saying = window.setTimeout(function () {
      announce.textContent = text;
    }, 50);
  }

  // Where focus goes after a move: the same control when it is still
  // shown, else the row's first shown button.
  function keepFocus(row, focused) {
    if (focused && row.contains(focused) && !focused.hidden) {
      focused.focus();
      return;
    }
    var buttons = row.querySelectorAll("button");
    for (var i = 0; i < buttons.length; i++) {
      if (!buttons[i].hidden) {
        buttons[i].focus();
        return;
      }
    }
  }

  // Puts `row` at place `to` (0 leads) and says so.
  function move(row, to, focused) {
    var list = rows();
    var from = list.indexOf(row);
    if (from < 0) return;
    to = Math.max(0, Math.min(list.length - 1, to));
    if (to === from) {
      say("“" + row.dataset.headline + "” is already " + (to === 0 ? "the lead." : "last."));
      return;
    }
    body.removeChild(row);
    var rest = rows();
    body.insertBefore(row, rest[to] || null);
    renumber();
    keepFocus(row, focused);
    var where = to === 0 ? "is now the lead" : "moved to " + placeName(to).toLowerCase() + " of " + (list.length - 1);
    say("“" + row.dataset.headline + "” " + where + ". Not live until you publish.");
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button");
    if (!button || !table.contains(button)) return;
    var row = button.closest("tr.front-pin");
    var at = rows().indexOf(row);
    if (button.classList.contains("front-up")) {
      event.preventDefault();
      move(row, at - 1, button);
    } else if (button.classList.contains("front-down")) {
      event.preventDefault();
      move(row, at + 1, button);
    } else if (button.classList.contains("front-lead")) {
      event.preventDefault();
      move(row, 0, button);
    }
    // Remove still posts the form: the server drops the row.
  });

  table.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey) return;
    var row = event.target.closest && event.target.closest("tr.front-pin");
    if (!row) return;
    var at = rows().indexOf(row);
    var to = null;
    if (event.key === "ArrowUp") to = at - 1;
    else if (event.key === "ArrowDown") to = at + 1;
    else if (event.key === "Home") to = 0;
    else if (event.key === "End") to = rows().length - 1;
    if (to === null) return;
    event.preventDefault();
    move(row, to, document.activeElement);
  });

  // Drag and drop, for the mouse (the keyboard has the keys above).
  rows().forEach(function (row) {
    row.draggable = true;
  });
  body.addEventListener("dragstart", function (event) {
    var row = event.target.closest && event.target.closest("tr.front-pin");
    if (!row) return;
    dragged = row;
    row.classList.add("front-dragging");
    event.dataTransfer.effectAllowed = "move";
    // Firefox starts a drag only with data.
    event.dataTransfer.setData("text/plain", row.dataset.headline);
  });
  body.addEventListener("dragover", function (event) {
    if (!dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    rows().forEach(function (r) {
      r.classList.remove("front-drop-target");
    });
    var over = event.target.closest && event.target.closest("tr.front-pin");
    if (over && over !== dragged) over.classList.add("front-drop-target");
  });
  body.addEventListener("drop", function (event) {
    if (!dragged) return;
    event.preventDefault();
    var over = event.target.closest && event.target.closest("tr.front-pin");
    if (over && over !== dragged) move(dragged, rows().indexOf(over), null);
  });
  body.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("front-dragging");
    rows().forEach(function (r) {
      r.classList.remove("front-drop-target");
    });
    dragged = null;
  });
})();
