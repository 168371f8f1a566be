import { describe, expect, it } from 'vitest';
import {
  addressCategory,
  checkWebhookUrl,
  isPublicAddress,
  parseIPv6,
  type ResolveHost,
} from '../../shared/webhooks/ssrf.ts';

/** A resolver over a fixed table; names not in it fail like NXDOMAIN. */
function resolver(table: Record<string, string[]>): ResolveHost & { calls: string[] } {
  const calls: string[] = [];
  const fn = (host: string): Promise<string[]> => {
    calls.push(host);
    if (!(host in table)) {
      return Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }));
    }
    return Promise.resolve(table[host]);
  };
  return Object.assign(fn, { calls });
}

/** For IP-literal URLs: must never be asked. */
const noDns: ResolveHost = (host) => Promise.reject(new Error(`DNS was consulted for ${host}`));

describe('isPublicAddress', () => {
  it.each([
    // IPv4
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['100.64.0.1', 'CGNAT'],
    ['100.127.255.254', 'CGNAT'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['169.254.0.1', 'link-local'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.0.0.8', 'reserved'],
    ['192.0.2.10', 'documentation'],
    ['192.88.99.1', '6to4 relay'],
    ['192.168.1.1', 'private'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    // IPv6
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fc00::1', 'unique local'],
    ['fd12:3456:789a::1', 'unique local'],
    ['fe80::1', 'link-local'],
    ['FE80::ABCD', 'link-local'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['2001::1', 'Teredo'],
    ['2001:10::1', 'IETF protocol assignments'],
    ['100::1', 'discard-only'],
    ['::127.0.0.1', 'outside global unicast'],
    ['64:ff9b:1::a', 'local-use NAT64'],
    // IPv4 inside IPv6: mapped (dotted and hex), NAT64 and 6to4
    ['::ffff:127.0.0.1', 'loopback, IPv4-mapped 127.0.0.1'],
    ['::ffff:7f00:1', 'loopback, IPv4-mapped 127.0.0.1'],
    ['0:0:0:0:0:ffff:7f00:0001', 'loopback, IPv4-mapped 127.0.0.1'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:a9fe:a9fe', 'link-local (169.254.0.0/16, cloud metadata), IPv4-mapped 169.254.169.254'],
    ['::FFFF:192.168.0.1', 'private'],
    ['64:ff9b::10.0.0.1', 'NAT64-embedded 10.0.0.1'],
    ['64:ff9b::a9fe:a9fe', 'NAT64-embedded 169.254.169.254'],
    ['2002:a00:1::', '6to4-embedded 10.0.0.1'],
    ['2002:7f00:1::1', '6to4-embedded 127.0.0.1'],
  ])('%s is not public (%s)', (ip, why) => {
    expect(isPublicAddress(ip)).toBe(false);
    expect(addressCategory(ip)).toContain(why);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.216.34',
    '9.255.255.255',
    '11.0.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '169.253.255.255',
    '169.255.0.1',
    '172.15.255.255',
    '172.32.0.0',
    '192.167.255.255',
    '192.169.0.0',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '2001:4860:4860::8888',
    '2a00:1450:4001:82b::200e',
    '::ffff:8.8.8.8',
    '::ffff:808:808',
    '64:ff9b::8.8.8.8',
    '2002:808:808::1',
  ])('%s is public', (ip) => {
    expect(addressCategory(ip)).toBeNull();
    expect(isPublicAddress(ip)).toBe(true);
  });

  it.each([
    'example.com',
    '',
    '1.2.3',
    '1.2.3.4.5',
    '01.2.3.4',
    '0x7f.0.0.1',
    '256.1.1.1',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    ':1',
    'fe80::1%eth0',
    '::ffff:1.2.3.256',
    'gggg::1',
  ])(
    '%j is not an address and so not public',
    (s) => {
      expect(isPublicAddress(s)).toBe(false);
    },
  );

  it('parses the IPv6 forms it is given', () => {
    expect(parseIPv6('::')).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIPv6('1::')).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIPv6('::ffff:1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
    expect(parseIPv6('[2001:db8::8:800:200c:417a]')).toEqual([0x2001, 0xdb8, 0, 0, 8, 0x800, 0x200c, 0x417a]);
    expect(parseIPv6('1:2:3:4:5:6:7:8')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parseIPv6('1:2:3:4:5:6:7::8')).toBeNull();
  });
});

describe('checkWebhookUrl', () => {
  const off = { resolveHost: noDns, allowLoopback: false };
  const on = { resolveHost: noDns, allowLoopback: true };

  it('accepts an https URL with a public literal address without asking DNS', async () => {
    expect(await checkWebhookUrl('https://8.8.8.8/hook', off)).toEqual({ ok: true });
    expect(await checkWebhookUrl('https://[2606:4700:4700::1111]:8443/hook?x=1', off)).toEqual({ ok: true });
  });

  it.each([
    ['https://127.0.0.1/', 'loopback'],
    ['https://10.0.0.1/', 'private (RFC 1918)'],
    ['https://169.254.169.254/latest/meta-data/', 'link-local'],
    ['https://100.64.1.1/', 'CGNAT'],
    ['https://0.0.0.0/', 'unspecified'],
    ['https://255.255.255.255/', 'broadcast'],
    ['https://224.0.0.1/', 'multicast'],
    ['https://[::1]/', 'loopback'],
    ['https://[fd00::1]/', 'unique local'],
    ['https://[fe80::1]/', 'link-local'],
    ['https://[::]/', 'unspecified'],
    ['https://[::ffff:127.0.0.1]/', 'loopback, IPv4-mapped'],
    ['https://[::ffff:7f00:1]/', 'loopback, IPv4-mapped'],
    ['https://[::ffff:a9fe:a9fe]/', 'IPv4-mapped 169.254.169.254'],
    ['https://[64:ff9b::a00:1]/', 'NAT64-embedded 10.0.0.1'],
    ['https://[2002:c0a8:101::1]/', '6to4-embedded 192.168.1.1'],
    // Spellings the URL parser turns into 127.0.0.1 / 10.0.0.1 before the check sees them.
    ['https://2130706433/', 'loopback'],
    ['https://0x7f.1/', 'loopback'],
    ['https://127.1/', 'loopback'],
    ['https://017700000001/', 'loopback'],
    ['https://0xa000001/', 'private'],
  ])('refuses %s (%s)', async (url, why) => {
    const res = await checkWebhookUrl(url, off);
    expect(res.ok).toBe(false);
    expect(!res.ok && res.reason).toContain(why);
    expect(!res.ok && res.reason).toContain('is not a public address');
  });

  it.each([
    ['http://example.com/hook', 'must use https'],
    ['ftp://example.com/hook', 'must use https'],
    ['javascript:alert(1)', 'must use https'],
    ['file:///etc/passwd', 'must use https'],
    ['not a url', 'not a valid absolute URL'],
    ['/relative/path', 'not a valid absolute URL'],
    ['https://user:pass@example.com/hook', 'credentials'],
    ['https://user@example.com/hook', 'credentials'],
    ['https://:pass@example.com/hook', 'credentials'],
    [`https://example.com/${'a'.repeat(2100)}`, 'longer than 2048'],
    ['https://localhost/hook', 'loopback name'],
    ['https://api.localhost./hook', 'loopback name'],
  ])('refuses %s (%s)', async (url, why) => {
    const res = await checkWebhookUrl(url, {
      resolveHost: resolver({ 'example.com': ['93.184.216.34'] }),
      allowLoopback: false,
    });
    expect(res.ok).toBe(false);
    expect(!res.ok && res.reason).toContain(why);
  });

  describe('with a hostname, every resolved address counts', () => {
    const dns = resolver({
      'public.example': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
      'private.example': ['10.1.2.3'],
      'mixed.example': ['93.184.216.34', '192.168.0.10'],
      'mixed6.example': ['2606:4700::1', 'fd00::5'],
      'metadata.example': ['169.254.169.254'],
      'mapped.example': ['::ffff:127.0.0.1'],
      'loop.example': ['127.0.0.1', '::1'],
      'empty.example': [],
      'garbage.example': ['not-an-ip'],
    });
    const opts = { resolveHost: dns, allowLoopback: false };

    it('accepts a host whose addresses are all public', async () => {
      expect(await checkWebhookUrl('https://public.example/hook', opts)).toEqual({ ok: true });
      expect(dns.calls).toContain('public.example');
    });

    it.each([
      ['private.example', '10.1.2.3', 'private'],
      ['mixed.example', '192.168.0.10', 'private'],
      ['mixed6.example', 'fd00::5', 'unique local'],
      ['metadata.example', '169.254.169.254', 'link-local'],
      ['mapped.example', '::ffff:127.0.0.1', 'loopback'],
      ['loop.example', '127.0.0.1', 'loopback'],
      ['garbage.example', 'not-an-ip', 'not an IP address'],
    ])('refuses %s, naming %s', async (host, ip, why) => {
      const res = await checkWebhookUrl(`https://${host}/hook`, opts);
      expect(res).toEqual({ ok: false, reason: expect.stringContaining(`the host ${host} resolves to ${ip}`) });
      expect(!res.ok && res.reason).toContain(why);
    });

    it('refuses a host that does not resolve, or resolves to nothing', async () => {
      expect(await checkWebhookUrl('https://nxdomain.example/', opts)).toEqual({
        ok: false,
        reason: 'the host nxdomain.example could not be resolved (ENOTFOUND)',
      });
      expect(await checkWebhookUrl('https://empty.example/', opts)).toEqual({
        ok: false,
        reason: 'the host empty.example has no addresses',
      });
    });
  });

  describe('allowLoopback (WEBHOOK_ALLOW_LOOPBACK=1)', () => {
    const dns = resolver({
      'loop.example': ['127.0.0.1', '::1'],
      'public.example': ['93.184.216.34'],
      'mixed.example': ['127.0.0.1', '10.0.0.1'],
    });

    it.each([
      'http://127.0.0.1:8080/hook',
      'http://127.9.9.9/hook',
      'http://[::1]:8080/hook',
      'http://localhost:3000/hook',
      'https://localhost/hook',
      'https://127.0.0.1/hook',
      'http://loop.example/hook',
    ])(
      'allows %s',
      async (url) => {
        expect(await checkWebhookUrl(url, { resolveHost: dns, allowLoopback: true })).toEqual({ ok: true });
      },
    );

    it.each([
      ['http://10.0.0.1/hook', 'private'],
      ['https://192.168.1.1/hook', 'private'],
      ['http://169.254.169.254/', 'link-local'],
      ['http://mixed.example/', 'private'],
      ['http://public.example/hook', 'http is allowed only to loopback'],
      ['http://8.8.8.8/hook', 'http is allowed only to loopback'],
    ])('still refuses %s (%s)', async (url, why) => {
      const res = await checkWebhookUrl(url, { resolveHost: dns, allowLoopback: true });
      expect(res.ok).toBe(false);
      expect(!res.ok && res.reason).toContain(why);
    });

    it('keeps https to public hosts working', async () => {
      expect(await checkWebhookUrl('https://public.example/hook', { resolveHost: dns, allowLoopback: true })).toEqual({
        ok: true,
      });
    });

    it('is off by default: loopback is refused, http too', async () => {
      for (
        const url of [
          'http://127.0.0.1:8080/hook',
          'https://127.0.0.1/hook',
          'https://[::1]/hook',
          'https://loop.example/hook',
          'http://localhost:3000/hook',
        ]
      ) {
        expect((await checkWebhookUrl(url, { resolveHost: dns, allowLoopback: false })).ok).toBe(false);
      }
    });
  });

  it('checks IP literals without calling the resolver, even with loopback allowed', async () => {
    expect(await checkWebhookUrl('http://127.0.0.1:1/x', on)).toEqual({ ok: true });
    expect((await checkWebhookUrl('https://10.0.0.1/x', on)).ok).toBe(false);
  });
});
