// leadpath's only page script: start the NHS.UK frontend components (skip link, header menu,
// error summary focus, character counts, tables). Loaded as a module from leadpath's own static
// files, so pages need no inline script.
import { initAll } from "./nhsuk/nhsuk-frontend.min.js";

document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
initAll();
