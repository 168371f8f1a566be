import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { cloudflareConnectingAddress, type ClientAddress } from '../../shared/http/client-address.ts';

async function addressOf(read: ClientAddress, headers: Record<string, string>): Promise<string | null> {
  const app = new Hono();
  app.get('/', (c) => c.json({ address: read(c) }));
  return (await (await app.request('/', { headers })).json()).address;
}

describe('the client address on Supabase', () => {
  it("is Cloudflare's CF-Connecting-IP", async () => {
    expect(await addressOf(cloudflareConnectingAddress, { 'cf-connecting-ip': ' 203.0.113.7 ' })).toBe('203.0.113.7');
  });

  it('ignores X-Forwarded-For and X-Real-IP, which the client can write', async () => {
    const spoofed = { 'x-forwarded-for': '198.51.100.1, 203.0.113.7', 'x-real-ip': '198.51.100.2' };
    expect(await addressOf(cloudflareConnectingAddress, spoofed)).toBeNull();
    expect(await addressOf(cloudflareConnectingAddress, { ...spoofed, 'cf-connecting-ip': '203.0.113.7' })).toBe('203.0.113.7');
  });

  it('bounds what it keeps', async () => {
    expect(await addressOf(cloudflareConnectingAddress, { 'cf-connecting-ip': 'x'.repeat(500) })).toHaveLength(64);
  });
});
