/**
 * @module An @upstash/redis requester that sends commands to a TCP Redis with ioredis, so
 * @upstash/ratelimit runs unchanged against a stock Redis (tests, self-hosting). Node-only.
 * Upstash's Lua scripts start with `#!lua flags=allow-key-locking`, a flag only Upstash accepts,
 * so that line is stripped, and EVALSHA is pointed at the hash of the stripped script.
 */
import { createHash } from 'node:crypto';
import { Redis as IORedis } from 'ioredis';
import { Redis, type Requester } from '@upstash/redis';

type Command = (string | number | null)[];

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');

function stripShebang(script: string): string {
  return script.startsWith('#!') ? script.slice(script.indexOf('\n') + 1) : script;
}

export interface TcpRedis {
  redis: Redis;
  client: IORedis;
  close(): Promise<void>;
}

/** Connects (waiting up to the connect timeout; a Redis that is down is not fatal: commands then fail fast). */
export async function createTcpRedis(url: string, options: { commandTimeoutMs?: number; connectTimeoutMs?: number } = {}): Promise<TcpRedis> {
  const client = new IORedis(url, {
    lazyConnect: false,
    // Fail fast instead of queueing while Redis is down: the rate limiter must fail open quickly.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: options.connectTimeoutMs ?? 1000,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  client.on('error', () => {
    // Connection errors surface on the commands that fail; the limiter logs those.
  });
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, options.connectTimeoutMs ?? 1000);
    client.once('ready', done);
  });
  /** Upstash script hash → hash of the same script without its shebang line. */
  const stripped = new Map<string, string>();

  const rewrite = (cmd: Command): Command => {
    const name = String(cmd[0]).toUpperCase();
    if (name === 'EVAL' || name === 'EVAL_RO') {
      const script = String(cmd[1]);
      const clean = stripShebang(script);
      stripped.set(sha1(script), sha1(clean));
      return [cmd[0], clean, ...cmd.slice(2)];
    }
    if (name === 'EVALSHA' || name === 'EVALSHA_RO') {
      return [cmd[0], stripped.get(String(cmd[1])) ?? String(cmd[1]), ...cmd.slice(2)];
    }
    return cmd;
  };

  const call = async (cmd: Command): Promise<{ result?: unknown; error?: string }> => {
    const [name, ...args] = rewrite(cmd);
    try {
      return { result: await client.call(String(name), ...args.map((a) => (a === null ? '' : a))) };
    } catch (err) {
      const message = (err as Error).message;
      // A reply error is the command's answer; a connection failure is an outage and must throw.
      if ((err as { name?: string }).name === 'ReplyError') return { error: message };
      throw err;
    }
  };

  const requester: Requester = {
    async request<T>(req: { path?: string[]; body?: unknown }) {
      const path = req.path?.[0];
      if (path === 'pipeline' || path === 'multi-exec') {
        const commands = req.body as Command[];
        if (path === 'multi-exec') {
          const tx = client.multi();
          for (const c of commands.map(rewrite)) tx.call(String(c[0]), ...c.slice(1).map((a) => (a === null ? '' : a)));
          const replies = (await tx.exec()) ?? [];
          return replies.map(([err, result]) => (err ? { error: err.message } : { result })) as unknown as { result: T };
        }
        const replies = [];
        for (const c of commands) replies.push(await call(c));
        return replies as unknown as { result: T };
      }
      const res = await call(req.body as Command);
      if (res.error !== undefined) throw new Error(res.error);
      return res as { result: T };
    },
  };

  return {
    redis: new Redis(requester),
    client,
    close: async () => {
      client.disconnect();
    },
  };
}
