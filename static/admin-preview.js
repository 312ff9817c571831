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
