import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { paraglideVitePlugin } from '@inlang/paraglide-js';
import { fileURLToPath } from 'node:url';
import { svelteTesting } from '@testing-library/svelte/vite';

// The app is served from its own bundle (no dev server in the window), so
// every asset must end up in dist/: nothing is fetched from the network.
export default defineConfig({
  plugins: [
    // Under Vitest the messages are compiled once beforehand (npm test runs
    // `paraglide` first): the plugin's watcher would keep the run from exiting.
    !process.env.VITEST &&
    paraglideVitePlugin({
      project: './project.inlang',
      outdir: './src/lib/paraglide',
      strategy: ['localStorage', 'baseLocale'],
      emitGitIgnore: false,
    }),
    svelte(),
    // Component tests mount in jsdom: Svelte's browser build, and cleanup after each test.
    process.env.VITEST && svelteTesting(),
  ],
  resolve: {
    alias: {
      $bindings: fileURLToPath(new URL('../crates/core/bindings', import.meta.url)),
      $lib: fileURLToPath(new URL('./src/lib', import.meta.url)),
    },
  },
  clearScreen: false,
  build: {
    target: 'safari16',
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    setupFiles: ['src/test-setup.ts'],
  },
});
