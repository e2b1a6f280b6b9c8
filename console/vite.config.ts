// Builds the console into dist/ (served by dfmanager, docs/console.md). `npm run dev` proxies the
// API to a local dfmanager (DF_MANAGER, default http://127.0.0.1:8080).
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

const manager = process.env.DF_MANAGER ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, target: "es2020", chunkSizeWarningLimit: 300 },
  server: { proxy: { "/api": manager, "/oapi": manager } },
});
