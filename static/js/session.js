// Idle-timeout warning (等保 session control; apps/accounts/controls.py ends the session).
// Polls the seconds left without counting as activity; shortly before the end it offers 「继续使用」.
(function () {
  "use strict";
  var box = document.getElementById("session-warning");
  if (!box) { return; }
  var statusUrl = box.dataset.statusUrl, keepaliveUrl = box.dataset.keepaliveUrl;

  function show(seconds) {
    var minutes = Math.max(1, Math.ceil(seconds / 60));
    box.textContent = "您已较长时间未操作，约 " + minutes + " 分钟后将自动退出登录。";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "primary";
    button.textContent = "继续使用";
    button.addEventListener("click", function () {
      fetch(keepaliveUrl, {credentials: "same-origin"}).then(function () { box.hidden = true; });
    });
    box.appendChild(button);
    box.hidden = false;
  }

  function poll() {
    fetch(statusUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (data) {
      if (data.login_url) { window.location.assign(data.login_url); return; }  // ended: the login page says why
      if (!data.authenticated) { window.location.reload(); return; }
      if (data.idle_seconds_left === null) { return; }
      if (data.idle_seconds_left <= 0) { window.location.reload(); return; }
      if (data.idle_seconds_left <= data.warning_seconds) { show(data.idle_seconds_left); } else { box.hidden = true; }
      window.setTimeout(poll, Math.min(60000, Math.max(5000, (data.idle_seconds_left - data.warning_seconds) * 1000)));
    }).catch(function () { window.setTimeout(poll, 60000); });
  }
  window.setTimeout(poll, 5000);
}());
