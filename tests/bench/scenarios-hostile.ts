/**
 * @module Hostile bodies (tests/support/hostile-bodies.ts), each sent to a separate Node server process
 * while a stream of /health calls runs against it: the answer and its time, /health's latency (p99)
 * meanwhile, and the server's event-loop delay (perf_hooks.monitorEventLoopDelay, read from the server).
 */
import { startHealthStream } from '../support/health-stream.ts';
import { envelopeProblem, HOSTILE_SHAPES, sendShape } from '../support/hostile-bodies.ts';
import { type Server, startServer } from '../support/processes.ts';
import { type BenchOptions, expectThat, type ScenarioResult } from './scenario.ts';
import type { BenchStack } from './stack.ts';
import { round, summarise } from './stats.ts';

export const name = 'hostile';
export const description =
  'hostile bodies under 20 MB: answer, its time, /health p99 and event-loop delay while each runs';

interface LoopDelay {
  max: number;
  p99: number;
  mean: number;
}

/** Asks the server for its event-loop delay since the last ask (SIGUSR2), and waits for the line. */
async function loopDelay(server: Server): Promise<LoopDelay> {
  const seen = server.output().split('LOOPDELAY ').length;
  // The pid the server printed itself: the child is npx, which SIGUSR2 would kill.
  process.kill(Number(/READY \d+ (\d+)/.exec(server.output())![1]), 'SIGUSR2');
  for (let i = 0; i < 600; i++) {
    const parts = server.output().split('LOOPDELAY ');
    if (parts.length > seen) return JSON.parse(parts[parts.length - 1].split('\n')[0]) as LoopDelay;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the server did not report its event-loop delay');
}

/** A shape still unanswered after this is reported as such, and the run ends (the server is busy with it). */
const ANSWER_TIMEOUT_MS = 120_000;

function stuck(shapeName: string, what: string, ms: number): ScenarioResult {
  const none = { n: 0, p50: 0, p95: 0, p99: 0, mean: 0, min: 0, max: 0 };
  return {
    group: name,
    name: shapeName,
    description: `${what} → NO ANSWER within ${Math.round(ms / 1000)} s; /health unanswered meanwhile`,
    warmup: 0,
    latency: none,
    totalSeconds: round(ms / 1000, 3),
    kind: 'http',
  };
}

export async function run(stack: BenchStack, opts: BenchOptions): Promise<ScenarioResult[]> {
  const key = (await stack.createKey('hostile')).key;
  const server = await startServer('npx', ['tsx', 'tests/support/serve-app.ts'], {
    DATABASE_URL: stack.dbUrl,
    LOOP_DELAY_REPORT: '1',
  }, /READY \d+ \d+/);
  const port = Number(/READY (\d+)/.exec(server.output())![1]);
  const results: ScenarioResult[] = [];
  try {
    for (const shape of HOSTILE_SHAPES) {
      const body = shape.body();
      opts.progress(`  ${shape.name}: ${(Buffer.byteLength(body) / 1048576).toFixed(1)} MB`);
      await loopDelay(server); // start afresh
      const health = startHealthStream(port);
      const started = performance.now();
      const answer = await sendShape(port, shape, body, key, ANSWER_TIMEOUT_MS).catch((err: Error) => err);
      const answerMs = performance.now() - started;
      if (answer instanceof Error) {
        // The server is stuck on it (it cannot even report its event loop): record that and stop here.
        results.push(stuck(shape.name, shape.what, answerMs));
        void health.stop(); // ends once the server is stopped below
        break;
      }
      const calls = await health.stop();
      const delay = await loopDelay(server);
      expectThat(envelopeProblem(answer) === null, shape.name, 'an envelope', answer.text);
      expectThat(
        shape.statuses.includes(answer.status),
        shape.name,
        `one of ${shape.statuses.join('/')}`,
        answer.status,
      );
      const latency = summarise(calls.map((c) => c.ended - c.started));
      results.push({
        group: name,
        name: shape.name,
        description: `${shape.what} → ${answer.status}${answer.status >= 400 ? ` ${answer.body.error.code}` : ''} in ${
          Math.round(answerMs)
        } ms; event loop delay max ${delay.max} ms, p99 ${delay.p99} ms; /health p50/p99 below`,
        warmup: 0,
        latency: {
          n: latency.n,
          p50: round(latency.p50),
          p95: round(latency.p95),
          p99: round(latency.p99),
          mean: round(latency.mean),
          min: round(latency.min),
          max: round(latency.max),
        },
        totalSeconds: round(answerMs / 1000, 3),
        kind: 'http',
      });
    }
  } finally {
    await server.stop();
  }
  return results;
}
