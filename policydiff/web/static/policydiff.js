// policydiff pages run under a Content-Security-Policy that forbids inline scripts, so this
// file does what Datasette's inline script does on its own pages: close an open menu
// (<details>) when the reader clicks outside it; a list of measures stays open. Everything
// else works without JavaScript.
document.body.addEventListener("click", (event) => {
  const within = event.target.closest("details");
  for (const details of document.querySelectorAll("details[open]:not(.pd-measures)")) {
    if (details !== within) {
      details.open = false;
    }
  }
});
