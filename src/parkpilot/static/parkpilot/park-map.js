// The park map component (templates/components/park_map.html): draws a GeoJSON FeatureCollection
// with Leaflet, without a tile server; each zone is labelled with its name.
document.addEventListener("DOMContentLoaded", function () {
  var styles = {
    park: {color: "#0b6e4f", weight: 2, dashArray: "6 4", fillColor: "#e8f5ee", fillOpacity: 0.5},
    zone: {color: "#0b6e4f", weight: 1.5, fillColor: "#2e9e6e", fillOpacity: 0.35}
  };
  document.querySelectorAll(".park-map[data-geojson]").forEach(function (el) {
    var data = JSON.parse(document.getElementById(el.dataset.geojson).textContent);
    var map = L.map(el, {attributionControl: false, zoomSnap: 0.25});
    var layer = L.geoJSON(data, {
      // A point (a space placed in its zone) is a dot in its feature's colour, not a pin image.
      pointToLayer: function (f, latlng) { return L.circleMarker(latlng, {radius: 8}); },
      style: function (f) {
        var base = styles[f.properties.kind] || styles.zone;
        // An app may colour its own features (a status, a class): properties.fill.
        return f.properties.fill ? Object.assign({}, base, {fillColor: f.properties.fill, color: f.properties.fill, fillOpacity: 0.55}) : base;
      },
      onEachFeature: function (f, shape) {
        if (f.properties.kind !== "park") {
          shape.bindTooltip(f.properties.name, {permanent: true, direction: "center", className: "map-label"});
        }
      }
    }).addTo(map);
    map.fitBounds(layer.getBounds(), {padding: [12, 12]});
    el.dataset.rendered = String(data.features.length);
    // Inside a [data-live="<url>" data-live-every="<seconds>"]: a second layer fetched from
    // that URL (a FeatureCollection, drawn as above) and fetched again every so often; the
    // map keeps its view.
    var live = el.closest("[data-live]");
    if (live) {
      var liveLayer = null;
      var refresh = function () {
        fetch(live.dataset.live, {credentials: "same-origin", headers: {Accept: "application/json"}})
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (fresh) {
            if (!fresh) { return; }
            if (liveLayer) { liveLayer.remove(); }
            liveLayer = L.geoJSON(fresh, layer.options).addTo(map);
            el.dataset.liveCount = String(fresh.features.length);
          })
          .catch(function () {});  // offline: the last layer stays
      };
      refresh();
      window.setInterval(refresh, 1000 * Number(live.dataset.liveEvery || 15));
    }
    // Inside a [data-pick="<form id>"]: a tap marks the point of the form's checked map_target
    // ("pickup" or "dropoff"): its <target>_lat/_lon fields (WGS84, six decimals), and clears
    // the <target>_stop choice.
    var picker = el.closest("[data-pick]");
    var form = picker && document.getElementById(picker.dataset.pick);
    if (form) {
      var marks = {};
      var onTap = function (e) {
        var checked = form.querySelector("input[name=map_target]:checked");
        var target = checked ? checked.value : "pickup";
        form.elements[target + "_lat"].value = e.latlng.lat.toFixed(6);
        form.elements[target + "_lon"].value = e.latlng.lng.toFixed(6);
        form.elements[target + "_stop"].value = "";
        if (marks[target]) { marks[target].remove(); }
        marks[target] = L.circleMarker(e.latlng, {radius: 7, color: target === "pickup" ? "#0b6e4f" : "#b54708"}).addTo(map);
        el.dataset.picked = target;
      };
      map.on("click", onTap);
      layer.on("click", onTap);
    }
  });
});
