// Render each chart's Vega-Lite spec (kept in a JSON <script> beside it) with vega-embed.
// Uses Vega's expression interpreter so the page's Content-Security-Policy needs no eval.
(function () {
  "use strict";
  if (!window.vegaEmbed || !window.vega || !window.vega.expressionInterpreter) return;
  document.querySelectorAll(".eq-chart[data-spec]").forEach(function (el) {
    var source = document.getElementById(el.getAttribute("data-spec"));
    if (!source) return;
    var spec = JSON.parse(source.textContent);
    window
      .vegaEmbed(el, spec, {
        actions: false,
        ast: true,
        expr: window.vega.expressionInterpreter,
        renderer: "svg",
        config: { font: "Arial, sans-serif", axis: { labelFontSize: 13, titleFontSize: 13 } },
      })
      .then(function (result) {
        var svg = el.querySelector("svg");
        if (svg) svg.setAttribute("aria-hidden", "true");
        el.setAttribute("data-rendered", "true");
        return result;
      })
      .catch(function (err) {
        el.textContent = "The chart could not be drawn; the numbers are in the table below.";
        el.setAttribute("data-error", String(err));
      });
  });
})();
