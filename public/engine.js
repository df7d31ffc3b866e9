// Loads the engine (the flash-worker wasm module) into this dedicated worker.
// A failure to load is rethrown outside the promise, so it reaches the page's
// `worker.onerror` and the app can show the reason instead of waiting forever.
importScripts("./flash-worker.js");
wasm_bindgen({ module_or_path: "./flash-worker_bg.wasm" })
  .then(() => wasm_bindgen.start())
  .catch((error) => setTimeout(() => { throw error; }));
