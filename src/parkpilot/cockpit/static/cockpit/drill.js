// The drill-down's trend chart: one bar per month, day or hour, and the same period last year as
// a second series; a click on a month or a day opens the same level for that period (the URL
// keeps the level, kind, industry and other filters).
document.addEventListener("DOMContentLoaded", () => {
  const data = document.getElementById("drill-trend");
  const box = document.getElementById("drill-chart");
  if (!data || !box || !window.echarts) return;
  const trend = JSON.parse(data.textContent);
  const chart = window.echarts.init(box);
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 60, right: 20, top: 30, bottom: 30 },
    xAxis: { type: "category", data: trend.map((t) => t.label) },
    yAxis: { type: "value" },
    series: [
      { name: box.dataset.now, type: "bar", data: trend.map((t) => t.value) },
      {
        name: box.dataset.before,
        type: "line",
        data: trend.map((t) => t.year_ago),
        lineStyle: { type: "dashed" },
      },
    ],
  });
  box.dataset.rendered = "true";
  chart.on("click", (event) => {
    const period = trend[event.dataIndex] && trend[event.dataIndex].period;
    if (!period) return;
    const url = new URL(window.location.href);
    url.searchParams.set("period", period);
    window.location.href = url.toString();
  });
  window.addEventListener("resize", () => chart.resize());
});
