// Small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";
  // On a phone the menu starts folded; on a desktop it stays open.
  var nav = document.querySelector(".navtoggle");
  if (nav && window.matchMedia("(max-width: 640px)").matches) nav.removeAttribute("open");
  // Show the global progress bar while a page-changing form is being submitted.
  document.addEventListener("submit", function () {
    var bar = document.getElementById("global-progress");
    if (bar) bar.classList.add("htmx-request");
  });
  // Read-only fields meant to be copied (the calendar feed address) select themselves on click.
  document.addEventListener("click", function (event) {
    var field = event.target.closest && event.target.closest("[data-select-on-click]");
    if (field) field.select();
  });
  // 复制地址: copy the feed address; fall back to selecting it where the clipboard is unavailable.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    var field = document.querySelector(button.getAttribute("data-copy"));
    var status = button.parentNode.querySelector(".copied");
    if (!field) return;
    field.select();
    var done = function () { if (status) status.textContent = "已复制"; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });
})();
