// Progressive enhancement only: every page and form works without JavaScript.
// NHS.UK frontend expects this class (normally set by an inline snippet, which our
// Content-Security-Policy does not allow) before it enhances components.
import { initAll } from "/static/vendor/nhsuk-frontend.min.js";

document.body.classList.add("nhsuk-frontend-supported");
initAll();

// A job's progress page: without JavaScript the "Check progress" link reloads it; with
// JavaScript the status is polled from the JSON API and the page reloads when it changes.
const job = document.querySelector("[data-job-url]");
if (job) {
  const started = job.dataset.jobStatus;
  const poll = async () => {
    try {
      const answer = await fetch(job.dataset.jobUrl, { headers: { Accept: "application/json" } });
      if (answer.ok) {
        const state = await answer.json();
        if (state.status !== started) {
          window.location.reload();
          return;
        }
        const message = document.getElementById("job-message");
        if (message && message.textContent !== state.message) message.textContent = state.message;
      }
    } catch (error) {
      // the next poll tries again
    }
    window.setTimeout(poll, 1500);
  };
  window.setTimeout(poll, 1500);
}
