// The home page's economy card: bars for the figures (亿元), a line for their growth (%).
// Data and labels come from the page (json_script and data-label-* attributes).
document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("economy-chart");
  if (!el) return;
  var data = JSON.parse(document.getElementById("economy-chart-data").textContent);
  var labels = el.dataset;
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: {trigger: "axis"},
    legend: {top: 0, data: [labels.labelValue, labels.labelGrowth]},
    grid: {left: 50, right: 50, top: 60, bottom: 50},
    xAxis: {type: "category", data: data.names, axisLabel: {interval: 0, width: 90, overflow: "break"}},
    yAxis: [{type: "value", name: labels.labelUnit}, {type: "value", name: "%"}],
    series: [
      {name: labels.labelValue, type: "bar", data: data.values,
       label: {show: true, position: "top"}, itemStyle: {color: "#0b6e4f"}},
      {name: labels.labelGrowth, type: "line", yAxisIndex: 1, data: data.growth_pct,
       label: {show: true, position: "right", formatter: "+{c}%", color: "#c0392b"},
       itemStyle: {color: "#c0392b"}}
    ]
  });
  el.dataset.rendered = "true";
  window.addEventListener("resize", function () { chart.resize(); });
});
