/** @module The Node DNS resolver the webhook SSRF guard is given: every A and AAAA address of a host. Node-only. */
import { lookup } from 'node:dns/promises';

export async function resolveHost(host: string): Promise<string[]> {
  const rows = await lookup(host, { all: true, verbatim: true });
  return rows.map((r) => r.address);
}
