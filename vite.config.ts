// The web app (web/app/index.html): `npm start` serves it with Vite's dev server, `npm run build` writes a static
// site to dist/, `npm run preview` serves dist/. Both servers send the two headers that make the page
// cross-origin isolated, so the machine's worker and the page can share memory (SharedArrayBuffer); a static host
// must send the same two (README "Hosting"). WEBPC_ISOLATION=off leaves them out (the fallback path's e2e test).
import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL(".", import.meta.url));
const isolation = process.env.WEBPC_ISOLATION === "off" ? {} : {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

export default defineConfig({
  root: `${root}web/app`,
  base: "./",
  publicDir: `${root}public`,
  clearScreen: false,
  server: {
    headers: isolation,
    fs: { allow: [root] },
    port: Number(process.env.PORT ?? 5173),
  },
  preview: {
    headers: isolation,
    port: Number(process.env.PORT ?? 4173),
  },
  worker: { format: "es" },
  build: {
    outDir: `${root}dist`,
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 2048,
    assetsInlineLimit: 0,
  },
});
