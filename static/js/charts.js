/* custnotes charts: every <canvas data-chart="ID"> is drawn from the JSON in <script id="ID">
   ({"type": "bar", "labels": [...], "series": [{"label": "...", "data": [...], "color": "#..."}]}).
   Each chart has a table beside it (the text alternative), so nothing depends on this script. */
(function () {
  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") return;
    var spec = JSON.parse(source.textContent);
    new Chart(canvas, {
      type: spec.type || "bar",
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (s) {
          return { label: s.label, data: s.data.map(Number), backgroundColor: s.color, borderColor: s.color,
                   type: s.type || undefined, tension: 0.2 };
        })
      },
      options: { responsive: true, maintainAspectRatio: false, animation: false,
                 plugins: { legend: { position: "bottom" } } }
    });
  }
  document.querySelectorAll("canvas[data-chart]").forEach(draw);
})();
