// Checked before any wasm loads: without these the app cannot start, and a
// blank page would tell the user nothing.
(function () {
  "use strict";
  var missing = [];
  if (typeof WebAssembly !== "object" || typeof WebAssembly.instantiate !== "function") {
    missing.push("WebAssembly");
  }
  if (!window.indexedDB) missing.push("IndexedDB");
  if (typeof Worker !== "function") missing.push("Web Workers");
  if (missing.length === 0) return;

  document.documentElement.setAttribute("data-unsupported", missing.join(","));
  function explain() {
    var box = document.createElement("section");
    box.className = "screen unsupported";
    box.setAttribute("role", "alert");
    box.setAttribute("data-testid", "unsupported");
    var title = document.createElement("h1");
    title.textContent = "This browser cannot run Flash";
    var what = document.createElement("p");
    what.textContent = "Flash needs " + missing.join(", ") + ", which this browser does not provide.";
    var how = document.createElement("p");
    how.textContent = "Open Flash in a current Chrome, Firefox, Safari or Edge. " +
      "Private browsing and some privacy settings turn IndexedDB off.";
    box.append(title, what, how);
    document.body.append(box);
  }
  if (document.body) explain();
  else document.addEventListener("DOMContentLoaded", explain);
})();
