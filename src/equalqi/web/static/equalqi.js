// Progressive enhancement only: every page and form works without JavaScript.
// NHS.UK frontend expects this class (normally set by an inline snippet, which our
// Content-Security-Policy does not allow) before it enhances components.
import { initAll } from "/static/vendor/nhsuk-frontend.min.js";

document.body.classList.add("nhsuk-frontend-supported");
initAll();
