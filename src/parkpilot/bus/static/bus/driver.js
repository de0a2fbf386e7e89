// The driver's check (templates/bus/driver.html): the page carries today's manifest, so a code
// typed while the phone has no signal still gets an answer; the form posts it when online.
document.addEventListener("DOMContentLoaded", function () {
  var data = document.getElementById("bus-manifest");
  var form = document.querySelector("[data-testid=check]");
  if (!data || !form) { return; }
  var codes = JSON.parse(data.textContent);
  var answer = form.querySelector("[data-testid=offline-answer]");
  form.addEventListener("submit", function (event) {
    if (navigator.onLine) { return; }
    event.preventDefault();
    var code = form.code.value.toUpperCase().replace(/[^0-9A-Z]/g, "");
    answer.hidden = false;
    answer.textContent = codes[code] ? code + ": " + codes[code] : code + ": ✗";
  });
});
