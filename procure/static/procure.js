// Small helpers: intake progress without reloading; the CSRF token on fetch calls.
(function () {
  "use strict";
  var csrf = document.querySelector('input[name="csrf_token"]');
  window.procureFetch = function (url, options) {
    options = options || {};
    options.headers = options.headers || {};
    if (csrf) { options.headers["X-CSRFToken"] = csrf.value; }
    options.credentials = "same-origin";
    return fetch(url, options);
  };
  var board = document.querySelector("[data-progress-url]");
  if (!board) { return; }
  function poll() {
    window.procureFetch(board.getAttribute("data-progress-url"), {headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var waiting = false;
        data.documents.forEach(function (d) {
          var cell = document.getElementById("progress-" + d.id);
          if (!cell) { return; }
          if (d.status === "queued" || d.status === "parsing") {
            waiting = true;
            cell.textContent = d.label + (d.pages_total ? " — page " + d.pages_done + " of " + d.pages_total : "");
          } else if (cell.getAttribute("data-status") !== d.status) {
            window.location.reload();
          }
        });
        if (waiting) { setTimeout(poll, 700); }
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  poll();
})();
