// Live preview for the story editor: while the editor types, the form is
// sent to the preview address (the Preview button's formaction) and the
// answer is shown in the sandboxed preview frame. Without this script the
// Preview button does the same on demand.
(function () {
  "use strict";
  var form = document.getElementById("story-form");
  var button = document.getElementById("preview-button");
  if (!form || !button || typeof form.requestSubmit !== "function") {
    return;
  }
  var timer = null;
  function refresh() {
    timer = null;
    form.requestSubmit(button);
  }
  function later() {
    if (timer !== null) {
      window.clearTimeout(timer);
    }
    timer = window.setTimeout(refresh, 600);
  }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  refresh();
})();

// Topic suggestions for the story editor's Tags field: as the editor types
// the last name of the comma-separated list, existing topics starting with
// it are offered (the browser's own list under the field); picking one
// completes that name. A name no topic has creates the topic on save.
(function () {
  "use strict";
  var input = document.getElementById("tags");
  var list = document.getElementById("topic-suggestions");
  if (!input || !list || typeof window.fetch !== "function") {
    return;
  }
  var asked = "";
  input.addEventListener("input", function () {
    var value = input.value;
    var cut = value.lastIndexOf(",");
    var head = cut < 0 ? "" : value.slice(0, cut + 1) + " ";
    var typed = value.slice(cut + 1).trim();
    if (typed === "" || typed === asked) {
      return;
    }
    asked = typed;
    window.fetch("/admin/topics/suggest?q=" + encodeURIComponent(typed), {
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.ok ? response.json() : [];
    }).then(function (topics) {
      if (asked !== typed) {
        return;
      }
      while (list.firstChild) {
        list.removeChild(list.firstChild);
      }
      topics.forEach(function (topic) {
        var option = document.createElement("option");
        option.value = head + topic.name;
        option.label = topic.name + " (" + topic.stories + ")";
        list.appendChild(option);
      });
    }).catch(function () {});
  });
})();
