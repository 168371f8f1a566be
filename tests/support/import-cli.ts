/** @module Test helpers for the leadlex-import command: the API with its worker (`npm start`) over a test database, a key, and runs of the command. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKey } from './fixtures.ts';
import type { TestDb } from './db.ts';
import { freePort, ROOT, type Server, startServer } from './processes.ts';

export const CLI = ['bin/leadlex-import.js'];

export interface CliApi {
  url: string;
  server: Server;
  /** A key of a new workspace (all contact scopes, a generous rate limit), and the env the command reads. */
  workspace(
    name: string,
    rateLimit?: number,
  ): Promise<{ key: string; workspaceId: string; env: Record<string, string> }>;
}

/** `npm start` over the test database: the gateway and, in the same process, the worker that runs queued imports. */
export async function startCliApi(db: TestDb): Promise<CliApi> {
  const port = await freePort();
  const env = {
    DATABASE_URL: db.url,
    PORT: String(port),
    LEADLEX_LOCAL_DIR: await mkdtemp(join(tmpdir(), 'leadlex-cli-')),
    LOG_LEVEL: 'warn',
  };
  const server = await startServer('npm', ['start'], env, /listening on http/, 120_000);
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    server,
    async workspace(name, rateLimit = 1000) {
      const k = await createKey(db.port, { workspace: name, rateLimit });
      return { key: k.key, workspaceId: k.workspaceId, env: { LEADLEX_API_URL: url, LEADLEX_API_KEY: k.key } };
    },
  };
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the command to its end. */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 120_000): Promise<CliRun> {
  return watchCli(spawnCli(args, env), timeoutMs).done;
}

export function spawnCli(args: string[], env: Record<string, string>, cmd = 'node', cmdArgs = CLI): ChildProcess {
  return spawn(cmd, [...cmdArgs, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Collects a running command's output; `waitFor` resolves when stdout matches. */
export function watchCli(child: ChildProcess, timeoutMs = 120_000) {
  let stdout = '';
  let stderr = '';
  const waiters: { re: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      const m = w.re.exec(stdout);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  child.stdout!.on('data', (d) => {
    stdout += d;
    check();
  });
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<CliRun>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`leadlex-import timed out\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    done,
    waitFor: (re: RegExp) =>
      new Promise<RegExpExecArray>((resolve, reject) => {
        waiters.push({ re, resolve });
        check();
        void done.then(() => reject(new Error(`leadlex-import ended before printing ${re}:\n${stdout}\n${stderr}`)));
      }),
  };
}
