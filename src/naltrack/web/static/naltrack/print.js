// The printable views' "Print" button: the browser's print dialog (a file, since the
// Content-Security-Policy refuses inline scripts). Without JavaScript the browser's own Print works.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
});
