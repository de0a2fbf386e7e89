// The report page's place picker: a tap on the shared park map (park-map.js draws it; this hook
// sees every Leaflet map it makes) or the phone's position (WGS84, as browsers report it) fills
// the form's lon/lat; the map's outlines are WGS84 too.
(function () {
  var form = document.querySelector("form[data-pick]");
  if (!form || !window.L) return;
  var marker = null;
  function set(lat, lon, datum) {
    form.elements.lon.value = lon.toFixed(6);
    form.elements.lat.value = lat.toFixed(6);
    form.elements.datum.value = datum;
    var shown = document.querySelector("[data-testid=picked]");
    if (shown) shown.textContent = lat.toFixed(5) + ", " + lon.toFixed(5);
  }
  L.Map.addInitHook(function () {
    var map = this;
    map.on("click", function (e) {
      if (marker) marker.setLatLng(e.latlng); else marker = L.circleMarker(e.latlng, {radius: 8, color: "#d9480f"}).addTo(map);
      set(e.latlng.lat, e.latlng.lng, "wgs84");
    });
  });
  var gps = document.querySelector("[data-gps]");
  if (gps && navigator.geolocation) {
    gps.addEventListener("click", function (ev) {
      ev.preventDefault();
      navigator.geolocation.getCurrentPosition(function (p) { set(p.coords.latitude, p.coords.longitude, "wgs84"); });
    });
  }
})();
