// Score trend on the county dashboard, drawn with the locally served ECharts.
(function () {
  "use strict";
  var el = document.getElementById("trend-chart");
  var data = document.getElementById("trend-data");
  if (!el || !data || !window.echarts) return;
  var trend = JSON.parse(data.textContent);
  var chart = window.echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    grid: { left: 36, right: 32, top: 12, bottom: 24, containLabel: true },
    tooltip: { trigger: "axis" },
    // Dates with their year (a year of month-ends spans two): 2025年12月31日.
    xAxis: { type: "category", data: trend.dates.map(function (d) { var p = d.split("-"); return p[0] + "年" + +p[1] + "月" + +p[2] + "日"; }) },
    yAxis: { type: "value", min: 0, max: 100 },
    series: [{ type: "line", data: trend.scores, smooth: true, connectNulls: true, itemStyle: { color: "#0b4f8a" },
      markLine: { silent: true, symbol: "none", data: trend.bands.map(function (b) { return { yAxis: b }; }), lineStyle: { color: "#9e9e9e" } } }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
