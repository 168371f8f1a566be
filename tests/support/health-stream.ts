/** @module A stream of GET /health calls, one after another, recording each answer's status and time: is the server still answering while it works? */
import { request } from 'node:http';

export interface HealthCall {
  started: number;
  ended: number;
  status: number;
}

export interface HealthStream {
  /** Waits for one call that starts after now to finish, stops, and returns every call. */
  stop(): Promise<HealthCall[]>;
}

function getHealth(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/health', agent: false, timeout: 120_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

export function startHealthStream(port: number, gapMs = 5): HealthStream {
  const calls: HealthCall[] = [];
  let stopAfter = Infinity;
  const done = (async () => {
    for (;;) {
      const started = performance.now();
      const status = await getHealth(port);
      calls.push({ started, ended: performance.now(), status });
      if (started >= stopAfter) return;
      await new Promise((r) => setTimeout(r, gapMs));
    }
  })();
  return {
    async stop() {
      stopAfter = performance.now();
      await done;
      return calls;
    },
  };
}
