import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** This folder, whatever directory Vite is started from (`npm run build` runs it from the repo root). */
const root = decodeURIComponent(new URL('.', import.meta.url).pathname);

export default defineConfig({
  root,
  plugins: [react()],
  resolve: {
    // Values only from the contract's import-free enums.ts: its index would bundle zod. Types come from
    // '@slipway/contracts' as `import type`, erased before Vite resolves anything.
    // unified-diff.ts (ansible's diffs as unified diff lines, shared with the CLI) imports nothing either.
    alias: {
      '@slipway/contracts/enums': `${root}../../libs/contracts/src/enums.ts`,
      '@slipway/contracts/unified-diff': `${root}../../libs/contracts/src/unified-diff.ts`,
    },
  },
  // Served by the API at `/`; everything (fonts included) is bundled, nothing comes from a CDN.
  base: '/',
  build: {
    outDir: '../../dist/dashboard',
    emptyOutDir: true,
    // Written beside the bundles but never referenced from them, and never served (dashboard-files.middleware).
    sourcemap: 'hidden',
  },
  server: {
    // `npx vite --config apps/dashboard/vite.config.ts` during development: the API runs on :3000.
    proxy: {
      '/api': { target: 'http://127.0.0.1:3000', changeOrigin: false },
      '/health': 'http://127.0.0.1:3000',
    },
  },
});
