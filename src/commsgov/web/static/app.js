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
