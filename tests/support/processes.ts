/** @module Runs the project's own commands (npm scripts, Deno) as child processes and waits for what they print. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { buildWorkerBundle, WORKER_NODE_FLAGS } from '../../scripts/lib/worker-bundle.ts';

export const ROOT = new URL('../../', import.meta.url).pathname;

let workerBundle: Promise<string> | undefined;

/** How `npm run worker` starts Node (package.json): the bundled worker (built once per test process) with a small old space. */
export async function workerNodeArgs(): Promise<string[]> {
  workerBundle ??= buildWorkerBundle();
  return [...WORKER_NODE_FLAGS, await workerBundle];
}

export function run(cmd: string, args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 60_000) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} timed out\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface Server {
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Starts a long-running command and resolves once its output matches `ready`. */
export function startServer(
  cmd: string,
  args: string[],
  env: Record<string, string | undefined>,
  ready: RegExp,
  timeoutMs = 90_000,
  cwd = ROOT,
) {
  return new Promise<Server>((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    const server: Server = {
      child,
      output: () => out,
      stop: () =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once('close', () => done());
          try {
            process.kill(-child.pid!, 'SIGTERM');
          } catch {
            done();
          }
        }),
    };
    const timer = setTimeout(() => {
      void server.stop();
      reject(new Error(`${cmd} did not get ready in time:\n${out}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      out += d;
      if (ready.test(out)) {
        clearTimeout(timer);
        resolve(server);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited with ${code} before it was ready:\n${out}`));
    });
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}
