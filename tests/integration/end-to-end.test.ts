import { createServer, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/db.ts';
import { createKey } from '../support/fixtures.ts';
import { freePort, type Server as Proc, startServer } from '../support/processes.ts';

const db = await freshDatabase();
const received: { headers: Record<string, string>; body: string }[] = [];
let receiver: Server;
let proc: Proc | undefined;

afterAll(async () => {
  await proc?.stop();
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
});

describe('npm start, end to end', () => {
  it('queues a large import, finishes it in its own worker loop, and delivers a signed import.completed', async () => {
    receiver = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      received.push({ headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
    const hookPort = await freePort();
    await new Promise<void>((r) => receiver.listen(hookPort, '127.0.0.1', r));

    const port = await freePort();
    proc = await startServer('npm', ['start'], {
      ...db.serverEnv,
      PORT: String(port),
      WEBHOOK_ALLOW_LOOPBACK: '1',
      LOG_LEVEL: 'warn',
    }, /listening on/);
    const base = `http://127.0.0.1:${port}/v1`;
    const key = await createKey(db.port, {
      workspace: 'e2e',
      scopes: ['read:contacts', 'write:contacts', 'admin:webhooks'],
    });
    const headers = { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' };

    const hook = await fetch(`${base}/webhooks`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ url: `http://127.0.0.1:${hookPort}/hooks`, events: ['import.completed'] }),
    });
    expect(hook.status).toBe(201);
    const { secret } = (await hook.json()).data;

    const csv = ['Name,Email', ...Array.from({ length: 1500 }, (_, i) => `Person ${i},e2e${i}@x.com`)].join('\n');
    const queued = await fetch(`${base}/import/contacts`, { method: 'POST', headers, body: JSON.stringify({ csv }) });
    expect(queued.status).toBe(202);
    const { job_id } = (await queued.json()).data;

    let job;
    for (let i = 0; i < 200; i++) {
      job = (await (await fetch(`${base}/import/jobs/${job_id}`, { headers })).json()).data;
      if (job.status === 'completed' && received.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(job).toMatchObject({ status: 'completed', total_rows: 1500, created_count: 1500 });
    expect(received).toHaveLength(1);
    const [delivery] = received;
    const event = new Webhook(secret).verify(delivery.body, delivery.headers) as {
      event: string;
      data: Record<string, unknown>;
    };
    expect(event).toMatchObject({
      event: 'import.completed',
      data: { job_id, status: 'completed', total_rows: 1500, created_count: 1500, error_count: 0 },
    });
  }, 120_000);
});
