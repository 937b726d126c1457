// commsgov's own script: start the design system's components, again on every part of a page
// that HTMX swaps in, and move focus to an error summary so that it is read out first.
// Every page works without it.
import DS from "./vendor/sgds/design-system.js";

function focusErrors(scope) {
  const summary = scope.querySelector(".ds_error-summary");
  if (summary) {
    summary.focus();
  }
}

DS.initAll();
focusErrors(document);

document.body.addEventListener("htmx:afterSwap", (event) => {
  DS.initAll(event.detail.target);
  focusErrors(event.detail.target);
});

// an upload form posted by HTMX shows how much of its files has been sent
document.body.addEventListener("htmx:xhr:progress", (event) => {
  const form = event.target.closest("form[data-progress]");
  const bar = form && document.getElementById(form.dataset.progress);
  if (bar && event.detail.lengthComputable) {
    bar.hidden = false;
    bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
  }
});
