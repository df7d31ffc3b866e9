// Loads the engine (the flash-worker wasm module) into this dedicated worker.
// A failure to load is rethrown outside the promise, so it reaches the page's
// `worker.onerror` and the app can show the reason instead of waiting forever.
//
// scripts/post-build.sh fills in the two placeholders with the content-hashed
// names of the engine's glue and wasm (and gives this file a hashed name).
importScripts("__FLASH_ENGINE_GLUE__");
wasm_bindgen({ module_or_path: "__FLASH_ENGINE_WASM__" })
  .then(() => wasm_bindgen.start())
  .catch((error) => setTimeout(() => { throw error; }));
