/**
 * The server's one entry for the rest of costwise: the CLI starts a server and tells it that data changed through
 * these names only (the layer rules in .dependency-cruiser.cjs hold it to that). Routes, caches and locks stay inside.
 */
export { checkBind, startServer, type RunningServer, type ServeOptions } from "./serve.js";
export { notifyDataChanged } from "./app.js";
