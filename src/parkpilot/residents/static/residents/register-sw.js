// Installs the front door's service worker (offline page); pages work the same without it.
if ("serviceWorker" in navigator) {
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/m/sw.js", {scope: "/m/"}).then(function () {
      document.documentElement.dataset.serviceWorker = "registered";
    }).catch(function () {});
  });
}
