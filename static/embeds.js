// Click-to-load embeds (src/rendering/body.rs): each placeholder
// <figure class="embed-deferred" data-embed-frame="..."> shows the
// provider's link; this script shows its button, and a click swaps in the
// player in a sandboxed iframe. Nothing loads from the provider before.
(function () {
  "use strict";
  var SANDBOX = "allow-scripts allow-same-origin allow-popups allow-presentation";
  function load(figure) {
    var frame = document.createElement("iframe");
    frame.src = figure.getAttribute("data-embed-frame");
    frame.title = figure.getAttribute("data-embed-title") || "Embedded content";
    frame.setAttribute("sandbox", SANDBOX);
    frame.setAttribute("loading", "lazy");
    frame.setAttribute("allowfullscreen", "");
    frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
    var consent = figure.querySelector(".embed-consent");
    if (consent) consent.remove();
    figure.insertBefore(frame, figure.firstChild);
    figure.classList.remove("embed-deferred");
    frame.focus();
  }
  function start() {
    var figures = document.querySelectorAll("figure.embed-deferred[data-embed-frame]");
    for (var i = 0; i < figures.length; i++) {
      (function (figure) {
        var consent = figure.querySelector(".embed-consent");
        var button = figure.querySelector("button.embed-load");
        if (!consent || !button) return;
        consent.hidden = false;
        button.addEventListener("click", function () {
          load(figure);
        });
      })(figures[i]);
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
