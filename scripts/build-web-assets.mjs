// Copy the pinned front-end packages from node_modules into the web app's static folder.
// Run by `make install` after `npm ci`; the output is git-ignored (never committed).
// No CDN at run time: the NHS.UK CSS's @font-face rules (licensed Frutiger from
// assets.nhs.uk) are removed, so pages fall back to Arial, as the NHS.UK service manual allows.
import { cpSync, mkdirSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const nm = join(root, "node_modules");
const out = join(root, "src", "equalqi", "web", "static", "vendor");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const nhsuk = join(nm, "nhsuk-frontend", "dist", "nhsuk");
const css = readFileSync(join(nhsuk, "nhsuk-frontend.min.css"), "utf8").replace(
  /@font-face\{[^}]*\}/g,
  "",
);
writeFileSync(join(out, "nhsuk-frontend.min.css"), css);
cpSync(join(nhsuk, "nhsuk-frontend.min.js"), join(out, "nhsuk-frontend.min.js"));
cpSync(join(nhsuk, "assets"), join(out, "assets"), { recursive: true });
cpSync(join(nm, "vega", "build", "vega.min.js"), join(out, "vega.min.js"));
cpSync(join(nm, "vega-lite", "build", "vega-lite.min.js"), join(out, "vega-lite.min.js"));
cpSync(join(nm, "vega-embed", "build", "vega-embed.min.js"), join(out, "vega-embed.min.js"));
cpSync(
  join(nm, "vega-interpreter", "build", "vega-interpreter.min.js"),
  join(out, "vega-interpreter.min.js"),
);
const pins = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")).packages;
const versions = Object.fromEntries(
  ["nhsuk-frontend", "vega", "vega-lite", "vega-embed", "vega-interpreter", "axe-core"].map((p) => [
    p,
    pins[`node_modules/${p}`].version,
  ]),
);
writeFileSync(join(out, "versions.json"), JSON.stringify(versions, null, 2) + "\n");
console.log("web assets built:", versions);
