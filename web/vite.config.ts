import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/** The dashboard: `npx vite web` (dev, proxies /api to the local runtime), `npx vite build web`. */
export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    // recharts is one lazy chunk of ~490 kB (137 kB gzipped), loaded only with a chart.
    chunkSizeWarningLimit: 520,
  },
  server: {
    port: 5173,
    proxy: { '/api': { target: process.env.AZURA_API ?? 'http://localhost:3000', changeOrigin: true } },
  },
});
