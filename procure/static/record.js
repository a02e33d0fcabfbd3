// "Check what was read": choose a section's page box, then click the page picture where the
// section starts; the box takes that page's number. Typing the number works without this.
(function () {
  var last = null;
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("form.corrections .page-input")) {
      last = event.target;
    }
  });
  document.addEventListener("click", function (event) {
    var figure = event.target.closest && event.target.closest("figure.page-image[data-page]");
    if (!figure || !last) { return; }
    last.value = figure.getAttribute("data-page");
    last.focus();
  });
})();
