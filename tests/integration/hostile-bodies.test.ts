/**
 * Every hostile shape of tests/support/hostile-bodies.ts, sent to one Node server process (the one
 * tests and `npm start` use) while a stream of /health calls runs against the same process: each
 * gets an answer with the envelope, and /health keeps answering. How long the event loop was held
 * is measured by the benchmark (`npm run bench -- --only hostile`), not asserted here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/db.ts';
import { createKey } from '../support/fixtures.ts';
import { startHealthStream } from '../support/health-stream.ts';
import { envelopeProblem, HOSTILE_SHAPES, sendShape } from '../support/hostile-bodies.ts';
import { type Server, startServer } from '../support/processes.ts';

const db = await freshDatabase();
let server: Server;
let port: number;
let key: string;

beforeAll(async () => {
  key = (await createKey(db.port, {
    workspace: 'hostile',
    rateLimit: 100_000,
    scopes: ['read:contacts', 'write:contacts', 'admin:webhooks'],
  })).key;
  server = await startServer('npx', ['tsx', 'tests/support/serve-app.ts'], { DATABASE_URL: db.url }, /READY \d+ \d+/);
  port = Number(/READY (\d+)/.exec(server.output())![1]);
});
afterAll(async () => {
  await server?.stop();
});

describe('hostile bodies under 20 MB, with /health answering throughout', () => {
  for (const shape of HOSTILE_SHAPES) {
    it(`${shape.name}: ${shape.what}`, { timeout: 240_000 }, async () => {
      const body = shape.body();
      expect(Buffer.byteLength(body)).toBeLessThan(20 * 1024 * 1024);
      const health = startHealthStream(port);
      const answer = await sendShape(port, shape, body, key);
      const calls = await health.stop();

      expect(envelopeProblem(answer)).toBeNull();
      expect(shape.statuses).toContain(answer.status);
      // Health answered while the body was being handled and after it: none failed or went unanswered.
      expect(calls.length).toBeGreaterThanOrEqual(2);
      expect(calls.filter((c) => c.status !== 200)).toEqual([]);
    });
  }
});
