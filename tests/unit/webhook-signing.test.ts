import { createHmac, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  decodeWebhookSecret,
  generateWebhookSecret,
  leadlexSignature,
  standardSignature,
  verifyLeadlexSignature,
  verifyStandardSignature,
  webhookHeaders,
} from '../../shared/webhooks/signing.ts';

// The Standard Webhooks reference test vector (github.com/standard-webhooks/standard-webhooks).
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

const BODY =
  '{"id":"evt_01JAAAAAAAAAAAAAAAAAAAAAAA","event":"import.completed","created_at":"2026-06-01T12:00:00.000Z","workspace_id":"w","data":{"job_id":"imp_1","status":"completed","note":"Grüße"}}';

describe('webhook secrets', () => {
  it('are whsec_ + base64 of 32 random bytes', () => {
    const a = generateWebhookSecret();
    const b = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(a).not.toBe(b);
    expect(decodeWebhookSecret(a)).toHaveLength(32);
    expect(Buffer.from(decodeWebhookSecret(a)).equals(Buffer.from(a.slice(6), 'base64'))).toBe(true);
  });

  it.each(['', 'whsec_', 'sk_abc', 'whsec_not base64!', 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw4uWXPg3bQn0='])(
    'refuses %j',
    (s) => {
      expect(() => decodeWebhookSecret(s)).toThrow();
    },
  );
});

describe('X-LeadLex-Signature', () => {
  it('is sha256= + the hex HMAC-SHA256 of the raw body, keyed with the decoded secret', async () => {
    const secret = generateWebhookSecret();
    const expected = createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64')).update(BODY, 'utf8')
      .digest('hex');
    expect(await leadlexSignature(secret, BODY)).toBe(`sha256=${expected}`);
  });

  it('verifies in constant time and refuses a changed body, another secret, or a missing header', async () => {
    const secret = generateWebhookSecret();
    const sig = await leadlexSignature(secret, BODY);
    expect(await verifyLeadlexSignature(secret, BODY, sig)).toBe(true);
    expect(await verifyLeadlexSignature(secret, BODY + ' ', sig)).toBe(false);
    expect(await verifyLeadlexSignature(generateWebhookSecret(), BODY, sig)).toBe(false);
    expect(await verifyLeadlexSignature(secret, BODY, null)).toBe(false);
    expect(await verifyLeadlexSignature(secret, BODY, sig.slice(0, -1))).toBe(false);
  });

  it('matches the README snippet (node:crypto, timingSafeEqual)', async () => {
    const secret = generateWebhookSecret();
    const header = await leadlexSignature(secret, BODY);
    // The consumer code from README.md "Webhooks".
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const expected = Buffer.from('sha256=' + createHmac('sha256', key).update(BODY).digest('hex'));
    const given = Buffer.from(header);
    expect(given.length === expected.length && timingSafeEqual(given, expected)).toBe(true);
  });
});

describe('Standard Webhooks signature', () => {
  it('reproduces the reference test vector', async () => {
    expect(await standardSignature(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
  });

  it('matches the standardwebhooks package', async () => {
    const secret = generateWebhookSecret();
    const at = new Date('2026-06-01T12:00:00.789Z');
    expect(await standardSignature(secret, 'evt_1', Math.floor(at.getTime() / 1000), BODY)).toBe(
      new Webhook(secret).sign('evt_1', at, BODY),
    );
  });

  it('verifies with tolerance and several signatures (key rotation), and refuses otherwise', async () => {
    const secret = generateWebhookSecret();
    const ts = 1_780_000_000;
    const sig = await standardSignature(secret, 'evt_1', ts, BODY);
    const now = new Date(ts * 1000 + 60_000);
    const h = { id: 'evt_1', timestamp: String(ts), signature: `v1,bm9wZQ== ${sig}` };
    expect(await verifyStandardSignature(secret, BODY, h, { now })).toBe(true);
    expect(await verifyStandardSignature(secret, BODY, { ...h, id: 'evt_2' }, { now })).toBe(false);
    expect(await verifyStandardSignature(secret, BODY + 'x', h, { now })).toBe(false);
    expect(await verifyStandardSignature(secret, BODY, { ...h, timestamp: String(ts + 1) }, { now })).toBe(false);
    expect(await verifyStandardSignature(secret, BODY, h, { now: new Date(ts * 1000 + 301_000) })).toBe(false);
    expect(await verifyStandardSignature(secret, BODY, { ...h, signature: sig.replace('v1,', 'v2,') }, { now })).toBe(
      false,
    );
  });
});

describe('webhookHeaders', () => {
  it('carries every header of the contract, verifiable by the standardwebhooks package and by plain HMAC', async () => {
    const secret = generateWebhookSecret();
    const at = new Date();
    const h = await webhookHeaders({ secret, webhookId: 'evt_01JX', deliveryId: 'dlv_01JX', body: BODY, at });
    const seconds = Math.floor(at.getTime() / 1000);
    expect(h).toEqual({
      'Content-Type': 'application/json',
      'User-Agent': 'LeadLex-Webhook/1.0',
      'X-LeadLex-Signature': expect.stringMatching(/^sha256=[0-9a-f]{64}$/),
      'X-LeadLex-Timestamp': new Date(seconds * 1000).toISOString(),
      'X-LeadLex-Delivery-ID': 'dlv_01JX',
      'webhook-id': 'evt_01JX',
      'webhook-timestamp': String(seconds),
      'webhook-signature': expect.stringMatching(/^v1,[A-Za-z0-9+/]{43}=$/),
    });
    expect(new Webhook(secret).verify(BODY, h)).toEqual(JSON.parse(BODY));
    expect(await verifyLeadlexSignature(secret, BODY, h['X-LeadLex-Signature'])).toBe(true);
    expect(() => new Webhook(generateWebhookSecret()).verify(BODY, h)).toThrow(/No matching signature/);
  });
});
