import { resolve } from 'node:path';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

// Everything is bundled into dist/ui and served by the fleet server (src/server/ui-static.ts); nothing is fetched
// from elsewhere at run time.
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [preact()],
  logLevel: 'warn',
  build: {
    outDir: resolve(import.meta.dirname, '../../dist/ui'),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
  },
});
