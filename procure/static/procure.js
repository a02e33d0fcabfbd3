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

// The scoresheet saves its draft as the member types, and once more when the tab closes.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave-url]");
  if (!form) { return; }
  var url = form.getAttribute("data-autosave-url");
  var status = document.getElementById("autosave-status");
  var timer = null, dirty = false;
  function say(text) { if (status) { status.textContent = text; } }
  function save() {
    timer = null;
    if (!dirty) { return; }
    dirty = false;
    window.procureFetch(url, {method: "POST", body: new FormData(form), headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json().then(function (data) { return {ok: r.ok, data: data}; }); })
      .then(function (answer) {
        say(answer.ok ? "Draft saved " + answer.data.saved_at + "." : "Not saved: " + answer.data.message);
      })
      .catch(function () { dirty = true; say("Not saved yet: the connection failed. Use Save draft."); });
  }
  form.addEventListener("input", function () {
    dirty = true;
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(save, 600);
  });
  window.addEventListener("pagehide", function () {
    if (dirty && navigator.sendBeacon) { navigator.sendBeacon(url, new FormData(form)); dirty = false; }
  });
  // Moving to a criterion opens the proposal's section it is about.
  form.addEventListener("focusin", function (event) {
    var fieldset = event.target.closest("fieldset[data-sections]");
    if (!fieldset) { return; }
    fieldset.getAttribute("data-sections").split(" ").forEach(function (id) {
      var section = id && document.getElementById(id);
      if (section) { section.open = true; }
    });
  });
})();

// The award form's amount follows the chosen bidder: each bidder's evaluated cost fills it in
// unless the officer has typed another figure (without JavaScript, an empty amount means the same).
(function () {
  "use strict";
  document.querySelectorAll("form.propose[data-amounts]").forEach(function (form) {
    var amounts = JSON.parse(form.getAttribute("data-amounts"));
    var choice = form.querySelector("select[name$='-response']");
    var amount = form.querySelector("input[name$='-amount']");
    if (!choice || !amount) { return; }
    var filled = null;                       // the figure this script last wrote
    function follow() {
      if (amount.value !== "" && amount.value !== filled) { return; }   // the officer's own
      filled = amounts[choice.value] || "";
      amount.value = filled;
    }
    follow();
    choice.addEventListener("change", follow);
  });
})();
