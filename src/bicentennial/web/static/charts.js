// Render every <script type="application/json" data-chart> as a Plotly chart in the element before it.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("script[data-chart]").forEach(function (node) {
    var target = document.getElementById(node.dataset.chart);
    if (!target || !window.Plotly) { return; }
    var figure = JSON.parse(node.textContent);
    window.Plotly.newPlot(target, figure.data, figure.layout, {responsive: true, displaylogo: false});
  });
});
