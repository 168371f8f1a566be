/** @module A throwaway PostgreSQL cluster of the machine's own server binaries, for tests that need server settings (pg_cron preloaded). */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PrivateCluster {
  port: number;
  /** A connection URL as `user` (default: postgres). */
  url(database: string, user?: string): string;
  stop(): void;
  /** SIGSTOP the postmaster and every backend: connections stay open, nothing answers. */
  freeze(): void;
  /** SIGCONT what `freeze` stopped. */
  thaw(): void;
  /** Stops the server (immediate shutdown) without removing the cluster; `start` brings it back. */
  halt(): void;
  start(): void;
}

function pgBin(): string {
  const base = '/usr/lib/postgresql';
  const majors = existsSync(base) ? readdirSync(base).sort((a, b) => Number(b) - Number(a)) : [];
  if (!majors.length) throw new Error(`no PostgreSQL server binaries under ${base}`);
  return join(base, majors[0], 'bin');
}

export function pgLibDir(): string {
  return join(pgBin(), '..', 'lib');
}

/**
 * initdb + start as the `postgres` OS user (the server refuses to run as root), with extra settings.
 * `superuser` names the bootstrap superuser (Supabase's is supabase_admin, and its postgres is not one).
 */
export function startPrivateCluster(
  port: number,
  settings: Record<string, string>,
  { superuser = 'postgres' } = {},
): PrivateCluster {
  const bin = pgBin();
  const dir = mkdtempSync(join(tmpdir(), 'leadlex-pg-'));
  chmodSync(dir, 0o755);
  const asPostgres = (cmd: string, args: string[]) =>
    execFileSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { stdio: 'pipe' });
  execFileSync('chown', ['postgres:postgres', dir]);
  const data = join(dir, 'data');
  asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', superuser, '--no-sync']);
  const opts = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`),
  ];
  const start = () => asPostgres('pg_ctl', ['-D', data, '-o', opts.join(' '), '-l', join(dir, 'log'), '-w', 'start']);
  start();
  let frozen: number[] = [];
  return {
    port,
    url: (database, user = 'postgres') => `postgres://${user}@127.0.0.1:${port}/${database}`,
    freeze() {
      const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      // The postmaster first, so it forks nothing new while its children are being stopped.
      frozen = [postmaster, ...childrenOf(postmaster)];
      for (const pid of frozen) process.kill(pid, 'SIGSTOP');
    },
    thaw() {
      for (const pid of frozen.reverse()) process.kill(pid, 'SIGCONT');
      frozen = [];
    },
    halt: () => void asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']),
    start: () => void start(),
    stop() {
      try {
        asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        // Field 4 of /proc/<pid>/stat is the parent; the name (field 2) may hold spaces, so split after it.
        return Number(readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}
