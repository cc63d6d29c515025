// Starts and stops tauri-driver for one WebDriver session: the end-to-end
// tests and the app benchmark (ui/bench) share it. Each session gets its own
// tauri-driver on free ports, so a stale WebKitWebDriver left on the default
// port 4445 by a crashed run cannot make every session hang (STACK.md).
import { spawn } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The repository's root (ui/e2e/../..). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The app binary a session drives: $PELANGGAN_APP, else the debug build. */
export function appBinary(fallback = 'target/debug/pelanggan-desktop') {
  const app = path.resolve(ROOT, process.env.PELANGGAN_APP ?? fallback);
  if (!existsSync(app)) {
    throw new Error(`no app binary at ${app}: build it first (make e2e builds it)`);
  }
  return app;
}

/**
 * XDG folders inside `dir` for one session: the webview keeps its local
 * storage (the UI's language, for one) under XDG_DATA_HOME, so without this
 * every run would inherit what the last one, or a developer, left there.
 */
export function isolatedProfile(dir) {
  return {
    XDG_DATA_HOME: path.join(dir, 'data'),
    XDG_CONFIG_HOME: path.join(dir, 'config'),
    XDG_CACHE_HOME: path.join(dir, 'cache'),
  };
}

/** A TCP port nobody listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function listening(port) {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    sock.once('connect', () => (sock.destroy(), resolve(true)));
    sock.once('error', () => resolve(false));
  });
}

/**
 * Spawns tauri-driver with `env` added (PELANGGAN_DB reaches the app this
 * way) and waits until it accepts connections. Returns {port, pid, stop}.
 */
export async function startDriver(env = {}) {
  const port = await freePort();
  const nativePort = await freePort();
  const bin = process.env.TAURI_DRIVER ?? 'tauri-driver';
  const child = spawn(bin, ['--port', String(port), '--native-port', String(nativePort)], {
    // Its own process group, so stopping it also stops the WebKitWebDriver
    // and app it started, and nothing else.
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NO_AT_BRIDGE: '1', ...env },
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  let exited = null;
  child.once('exit', (code, signal) => (exited = { code, signal }));
  child.once('error', (e) => (exited = { error: e }));
  const deadline = Date.now() + 15_000;
  while (!(await listening(port))) {
    if (exited) {
      const why = exited.error ? exited.error.message : `exit ${exited.code ?? exited.signal}`;
      throw new Error(`tauri-driver did not start (${why}; install it: make setup)\n${stderr}`);
    }
    if (Date.now() > deadline) {
      stop();
      throw new Error(`tauri-driver did not listen on ${port} within 15 s\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  function stop() {
    if (exited) return;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
  return { port, pid: child.pid, stop, stderr: () => stderr };
}
