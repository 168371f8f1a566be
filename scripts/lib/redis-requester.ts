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

type Reply = { result?: unknown; error?: string };
type TimeoutOptions = { commandTimeoutMs?: number; connectTimeoutMs?: number };

/** An ioredis client that fails fast while Redis is down (the rate limiter must fail open quickly); resolves once ready or after the connect timeout. */
async function connect(url: string, options: TimeoutOptions): Promise<IORedis> {
  const client = new IORedis(url, {
    lazyConnect: false,
    // Fail fast instead of queueing while Redis is down.
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
  return client;
}

/** Rewrites Upstash's scripts for a stock Redis: EVAL without the shebang, EVALSHA to the stripped script's hash. */
function scriptRewriter(): (cmd: Command) => Command {
  /** Upstash script hash → hash of the same script without its shebang line. */
  const stripped = new Map<string, string>();
  return (cmd) => {
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
}

const argsOf = (cmd: Command) => cmd.slice(1).map((a) => (a === null ? '' : a));

/** The @upstash/redis requester over `client`: single commands, pipelines and MULTI/EXEC. */
function tcpRequester(client: IORedis): Requester {
  const rewrite = scriptRewriter();
  const call = async (cmd: Command): Promise<Reply> => {
    const c = rewrite(cmd);
    try {
      return { result: await client.call(String(c[0]), ...argsOf(c)) };
    } catch (err) {
      // A reply error is the command's answer; a connection failure is an outage and must throw.
      if ((err as { name?: string }).name === 'ReplyError') return { error: (err as Error).message };
      throw err;
    }
  };
  const multiExec = async (commands: Command[]): Promise<Reply[]> => {
    const tx = client.multi();
    for (const c of commands.map(rewrite)) tx.call(String(c[0]), ...argsOf(c));
    const replies = (await tx.exec()) ?? [];
    return replies.map(([err, result]) => (err ? { error: err.message } : { result }));
  };
  return {
    async request<T>(req: { path?: string[]; body?: unknown }) {
      const path = req.path?.[0];
      if (path === 'multi-exec') return (await multiExec(req.body as Command[])) as unknown as { result: T };
      if (path === 'pipeline') {
        const replies = [];
        for (const c of req.body as Command[]) replies.push(await call(c));
        return replies as unknown as { result: T };
      }
      const res = await call(req.body as Command);
      if (res.error !== undefined) throw new Error(res.error);
      return res as { result: T };
    },
  };
}

/** Connects (waiting up to the connect timeout; a Redis that is down is not fatal: commands then fail fast). */
export async function createTcpRedis(url: string, options: TimeoutOptions = {}): Promise<TcpRedis> {
  const client = await connect(url, options);
  return {
    redis: new Redis(tcpRequester(client)),
    client,
    close: () => {
      client.disconnect();
      return Promise.resolve();
    },
  };
}
