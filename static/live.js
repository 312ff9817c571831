// masthead's live blog reader: polls the story's live.json (served from the
// page cache, revalidated with its ETag) and shows new posts without a
// reload. A reader at the top of the posts sees them appear there; a reader
// further down keeps their place, and a button (announced politely) offers
// "3 new posts". Edits replace a post in place, deletions remove it, the key
// events and the coverage's state follow. Without JavaScript the page is
// complete as served.
(function () {
  "use strict";
  var box = document.getElementById("live");
  if (!box || !box.dataset.updates || !window.fetch) return;
  var list = document.getElementById("live-posts");
  var announce = document.getElementById("live-announce");
  var url = box.dataset.updates;
  var interval = parseInt(box.dataset.pollMs, 10) || 1000;
  var pending = [];
  var button = null;

  function byId(id) {
    return list.querySelector('[data-id="' + id + '"]');
  }

  function fromHTML(html) {
    var t = document.createElement("template");
    t.innerHTML = html.trim();
    return t.content.firstElementChild;
  }

  function sortKey(el) {
    var parts = (el.dataset.sort || "0.0").split(".");
    return [parseInt(parts[0], 10), parseInt(parts[1], 10)];
  }

  function newer(a, b) {
    return a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
  }

  // Puts a post where its time places it (newest first).
  function place(el) {
    var key = sortKey(el);
    var posts = list.querySelectorAll(".live-post");
    for (var i = 0; i < posts.length; i++) {
      if (newer(key, sortKey(posts[i]))) {
        list.insertBefore(el, posts[i]);
        return;
      }
    }
    list.appendChild(el);
  }

  // Whether the reader sees the top of the posts (nothing above them moves).
  function atTop() {
    return list.getBoundingClientRect().top >= -8;
  }

  function say(text) {
    announce.textContent = text;
  }

  function words(n) {
    return n === 1 ? box.dataset.newOne : (box.dataset.newMany || "").replace("{n}", n);
  }

  function showPending() {
    var empty = document.getElementById("no-posts");
    if (empty) empty.remove();
    pending.forEach(place);
    pending = [];
    if (button) {
      button.remove();
      button = null;
    }
  }

  function offer() {
    if (!button) {
      button = document.createElement("button");
      button.type = "button";
      button.className = "live-new-posts";
      button.addEventListener("click", function () {
        showPending();
        say("");
        list.scrollIntoView({ behavior: "smooth", block: "start" });
        var first = list.querySelector(".live-post");
        if (first) {
          first.tabIndex = -1;
          first.focus({ preventScroll: true });
        }
      });
      box.insertBefore(button, list);
    }
    button.textContent = words(pending.length);
    say(words(pending.length));
  }

  function apply(data) {
    var statusBox = document.getElementById("live-status-box");
    if (statusBox && statusBox.innerHTML.trim() !== data.status_html.trim()) statusBox.innerHTML = data.status_html;
    var keys = document.getElementById("key-events-box");
    if (keys && keys.innerHTML.trim() !== data.key_events_html.trim()) keys.innerHTML = data.key_events_html;
    var seen = {};
    var oldest = null;
    var fresh = 0;
    data.posts.forEach(function (p) {
      seen[p.id] = true;
      var el = fromHTML(p.html);
      if (!el) return;
      var key = sortKey(el);
      if (oldest === null || newer(oldest, key)) oldest = key;
      var there = byId(p.id);
      if (there) {
        if (there.dataset.updated !== String(p.updated_at)) there.replaceWith(el);
        return;
      }
      if (pending.some(function (q) { return q.dataset.id === String(p.id); })) return;
      pending.push(el);
      fresh++;
    });
    // Posts the newest ones no longer include were deleted.
    if (data.posts.length > 0 || data.count === 0) {
      Array.prototype.forEach.call(list.querySelectorAll(".live-post"), function (el) {
        if (!seen[el.dataset.id] && (oldest === null || newer(sortKey(el), oldest) || data.count === 0)) el.remove();
      });
    }
    pending = pending.filter(function (el) { return seen[el.dataset.id]; });
    if (pending.length === 0) {
      if (button) { button.remove(); button = null; }
      return;
    }
    if (atTop()) {
      var n = pending.length;
      showPending();
      if (fresh) say(words(n).split(":")[0]);
    } else {
      offer();
    }
  }

  function poll() {
    fetch(url, { credentials: "omit" })
      .then(function (r) {
        if (!r.ok) throw new Error("live.json " + r.status);
        return r.json();
      })
      .then(function (data) {
        apply(data);
        var next = data.live ? data.poll_ms || interval : 30000;
        setTimeout(poll, document.hidden ? Math.max(next, 10000) : next);
      })
      .catch(function () {
        setTimeout(poll, interval * 4);
      });
  }
  setTimeout(poll, interval);
})();
