// Autosave and presence for the story editor (issue 13).
//
// Autosave: a few seconds after the editor stops typing, the whole form is
// posted to the server (the person's autosave, not a revision). Every change
// is also kept at once in this browser's storage, so a server out of reach
// (or a crash before the post) loses nothing; it is retried until it
// arrives. The status says where the text is. Leaving the page asks first
// while changes are not on the server yet, never after a real save.
//
// Restore: a copy kept in this browser that is newer than both the saved
// story and the server's autosave is offered on opening (the server's own
// autosave is offered by the page itself). Restoring fills the form and
// tells the body editor (a `masthead:body-replaced` event on the body).
//
// Presence: while the editor is open, a heartbeat tells the server, whose
// answer says who else has the story open.
(function () {
  "use strict";
  var form = document.getElementById("story-form");
  if (!form || !form.dataset.autosave || typeof window.fetch !== "function") {
    return;
  }
  var url = form.dataset.autosave;
  var key = "masthead:autosave:" + form.dataset.user + ":" + form.dataset.draft;
  var latest = Number(form.dataset.latest || "0");
  var status = document.getElementById("autosave-status");
  var DELAY = 2000;
  var RETRY = 5000;
  var changes = 0; // changes made on this page
  var stored = 0; // the changes the server has
  var sending = false;
  var timer = null;
  var leaving = false;

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function fields() {
    var out = {};
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string") {
        out[name] = value;
      }
    });
    return out;
  }

  function revision() {
    var field = form.elements.namedItem("revision");
    return field && field.value ? Number(field.value) : 0;
  }

  function readCopy(name) {
    try {
      var text = window.localStorage.getItem(name || key);
      return text ? JSON.parse(text) : null;
    } catch (e) {
      return null;
    }
  }

  function writeCopy(copy) {
    try {
      window.localStorage.setItem(key, JSON.stringify(copy));
      return true;
    } catch (e) {
      return false;
    }
  }

  function dropCopy(name) {
    try {
      window.localStorage.removeItem(name || key);
    } catch (e) {
      // Nothing kept, nothing to drop.
    }
  }

  function keepHere() {
    writeCopy({ fields: fields(), based_on: revision(), at: Date.now(), submitted: false });
  }

  function later(delay) {
    if (timer !== null) {
      window.clearTimeout(timer);
    }
    timer = window.setTimeout(send, delay);
  }

  function send() {
    timer = null;
    if (sending || leaving || stored >= changes) {
      return;
    }
    sending = true;
    var sent = changes;
    window.fetch(url, {
      method: "POST",
      body: new URLSearchParams(fields()),
      credentials: "same-origin",
      redirect: "manual",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      if (response.ok) {
        return response.json().then(function (answer) {
          stored = Math.max(stored, sent);
          say("Saved " + answer.time);
          if (stored >= changes) {
            dropCopy();
          }
        });
      }
      if (response.type === "opaqueredirect" || response.status === 401) {
        say("Signed out: kept in this browser. Sign in again (in another tab) to keep saving.");
        later(RETRY);
        return null;
      }
      if (response.status >= 500) {
        say("Server unavailable: kept in this browser");
        later(RETRY);
        return null;
      }
      return response.json().then(function (answer) {
        say("Not saved automatically: " + (answer.error || response.status) + ". Kept in this browser.");
      }, function () {
        say("Not saved automatically (" + response.status + "). Kept in this browser.");
      });
    }, function () {
      say("Offline: kept in this browser");
      later(RETRY);
    }).then(function () {
      sending = false;
      if (stored < changes && timer === null) {
        later(DELAY);
      }
    });
  }

  function changed() {
    changes += 1;
    keepHere();
    later(DELAY);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", function (event) {
    // Text fields report `input` already; choices (radios, selects) only this.
    if (event.target && event.target.type !== "text" && event.target.tagName !== "TEXTAREA") {
      changed();
    }
  });
  window.addEventListener("online", function () {
    later(0);
  });

  form.addEventListener("submit", function (event) {
    var by = event.submitter;
    if (by && by.getAttribute("formtarget")) {
      return; // the preview: the page stays
    }
    leaving = true;
    var copy = readCopy();
    if (copy) {
      copy.submitted = true;
      writeCopy(copy);
    }
  });

  window.addEventListener("beforeunload", function (event) {
    if (!leaving && stored < changes) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // The form came back from a real save: the copy it left is on the server.
  var copy = readCopy();
  if (copy && copy.submitted && revision() > (copy.based_on || 0)) {
    dropCopy();
    copy = null;
  }
  if (/[?&]done=created\b/.test(window.location.search)) {
    var created = "masthead:autosave:" + form.dataset.user + ":story:new";
    var newCopy = readCopy(created);
    if (newCopy && newCopy.submitted) {
      dropCopy(created);
    }
  }

  function same(a, b) {
    var names = Object.keys(a);
    for (var i = 0; i < names.length; i += 1) {
      if (names[i] !== "revision" && (b[names[i]] || "") !== (a[names[i]] || "")) {
        return false;
      }
    }
    return true;
  }

  function restore(saved) {
    Object.keys(saved.fields).forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (field && !(field instanceof window.HTMLInputElement && field.type === "file")) {
        field.value = saved.fields[name];
      }
    });
    var body = document.getElementById("body");
    if (body) {
      body.dispatchEvent(new window.CustomEvent("masthead:body-replaced", { bubbles: true }));
    }
    changes += 1;
    keepHere();
    say("Restored from this browser. Save the story to keep it.");
    later(0);
  }

  function offer(saved) {
    var section = document.createElement("section");
    section.className = "autosave-offer";
    section.id = "browser-copy-offer";
    section.setAttribute("aria-labelledby", "browser-copy-title");
    var title = document.createElement("h2");
    title.id = "browser-copy-title";
    title.textContent = "A copy kept in this browser from " +
      new Date(saved.at).toLocaleTimeString() + " is newer than the saved story";
    var buttons = document.createElement("div");
    buttons.className = "offer-buttons";
    function button(id, label, act) {
      var b = document.createElement("button");
      b.type = "button";
      b.id = id;
      b.textContent = label;
      b.addEventListener("click", function () {
        act();
        section.parentNode.removeChild(section);
      });
      buttons.appendChild(b);
    }
    button("restore-browser-copy", "Restore", function () {
      restore(saved);
    });
    button("discard-browser-copy", "Discard", function () {
      dropCopy();
    });
    section.appendChild(title);
    section.appendChild(buttons);
    var desk = form.closest(".desk") || form;
    desk.parentNode.insertBefore(section, desk);
  }

  if (copy && copy.fields) {
    if (same(copy.fields, fields())) {
      dropCopy();
    } else if (copy.at > latest) {
      offer(copy);
    }
  }

  // Presence.
  var presence = form.dataset.presence;
  var shown = document.getElementById("presence");
  if (!presence || !shown) {
    return;
  }
  var every = Math.max(1, Number(form.dataset.heartbeat || "5")) * 1000;
  function show(editors) {
    var text = editors.map(function (e) {
      return e.name + " is editing, since " + e.since;
    });
    var now = Array.prototype.map.call(shown.children, function (p) {
      return p.textContent;
    });
    if (now.join("\n") === text.join("\n")) {
      return; // unchanged: nothing to announce
    }
    while (shown.firstChild) {
      shown.removeChild(shown.firstChild);
    }
    text.forEach(function (line) {
      var p = document.createElement("p");
      p.className = "editing";
      p.textContent = line;
      shown.appendChild(p);
    });
  }
  function beat() {
    window.fetch(presence, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (answer) {
      if (answer && answer.editors) {
        show(answer.editors);
      }
    }, function () {
      // Offline: the next beat tries again.
    });
  }
  beat();
  window.setInterval(beat, every);
  window.addEventListener("pagehide", function () {
    if (!leaving && navigator.sendBeacon) {
      navigator.sendBeacon(presence + "/leave", new Blob([]));
    }
  });
})();
