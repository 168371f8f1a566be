import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { type ClientAddress, cloudflareConnectingAddress, throttleBucket } from '../../shared/http/client-address.ts';

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
    expect(await addressOf(cloudflareConnectingAddress, { ...spoofed, 'cf-connecting-ip': '203.0.113.7' })).toBe(
      '203.0.113.7',
    );
  });

  it('bounds what it keeps', async () => {
    expect(await addressOf(cloudflareConnectingAddress, { 'cf-connecting-ip': 'x'.repeat(500) })).toHaveLength(64);
  });
});

describe('what failed authentications are counted against', () => {
  it('is the address for IPv4, and the IPv4 inside an IPv4-mapped IPv6 address', () => {
    expect(throttleBucket('203.0.113.7')).toBe('203.0.113.7');
    expect(throttleBucket('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(throttleBucket(null)).toBeNull();
  });

  it('is the /64 for IPv6, however the address is written', () => {
    const bucket = '2001:db8:85a3:0::/64';
    expect(throttleBucket('2001:db8:85a3::8a2e:370:7334')).toBe('2001:db8:85a3:0::/64');
    expect(throttleBucket('2001:0DB8:85A3:0000:ffff:ffff:ffff:ffff')).toBe(bucket);
    expect(throttleBucket('[2001:db8:85a3::1]')).toBe(bucket);
    expect(throttleBucket('2001:db8:85a3::1%eth0')).toBe(bucket);
    expect(throttleBucket('2001:db8:85a4::1')).not.toBe(bucket);
    expect(throttleBucket('::1')).toBe('0:0:0:0::/64');
  });

  it('keeps what is not an IPv6 address as it is', () => {
    expect(throttleBucket('not:an:address::x')).toBe('not:an:address::x');
    expect(throttleBucket('1:2:3:4:5:6:7:8:9')).toBe('1:2:3:4:5:6:7:8:9');
    expect(throttleBucket('1::2::3')).toBe('1::2::3');
  });
});
