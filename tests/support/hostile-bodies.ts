/**
 * @module The hostile request bodies (each under 20 MB) that the hostile-bodies test and the `hostile`
 * benchmark send to one Node server while a stream of /health calls checks it keeps answering.
 */

import { request } from 'node:http';
import type { ParsedJson } from './parsed-json.ts';

export const BODY_BUDGET = 19 * 1024 * 1024;

export interface HostileShape {
  name: string;
  what: string;
  method: 'POST' | 'GET';
  path: string;
  /** Built lazily: some bodies take a second to make and most of the test's memory. */
  body(): string;
  /** Statuses a correct server may answer with (always with the envelope). */
  statuses: number[];
}

const json = (v: unknown) => JSON.stringify(v);

/** `n` comma-joined items made by `item(i)`, as one string, built in slices so no huge array is held. */
function joined(n: number, item: (i: number) => string, sep = ','): string {
  const parts: string[] = [];
  let slice: string[] = [];
  for (let i = 0; i < n; i++) {
    slice.push(item(i));
    if (slice.length === 65_536) {
      parts.push(slice.join(sep));
      slice = [];
    }
  }
  if (slice.length) parts.push(slice.join(sep));
  return parts.join(sep);
}

/** How many items of `bytesEach` (plus a separator) fit the budget after `fixed` bytes. */
const fit = (bytesEach: number, fixed = 1024) => Math.floor((BODY_BUDGET - fixed) / (bytesEach + 1));

const x = (n: number) => 'x'.repeat(n);

export const HOSTILE_SHAPES: HostileShape[] = [
  {
    name: 'deep-json',
    what: '~19 MB of nested arrays in rows ([[[[…]]]])',
    method: 'POST',
    path: '/v1/import/contacts',
    body: () => {
      const n = Math.floor((BODY_BUDGET - 16) / 2);
      return `{"rows":${'['.repeat(n)}${']'.repeat(n)}}`;
    },
    statuses: [400],
  },
  {
    name: 'wide-csv-header',
    what:
      'a CSV whose header has ~1.3 million columns, one data row, no mapping (a record may have at most 32,768 columns)',
    method: 'POST',
    path: '/v1/import/contacts',
    body: () => {
      const n = 1_300_000;
      const header = joined(n, (i) => `c${i}`);
      return json({ csv: `${header}\n${','.repeat(n - 1)}` });
    },
    statuses: [200, 400],
  },
  {
    name: 'many-tags',
    what: '~2 million request tags (the limit is 50)',
    method: 'POST',
    path: '/v1/import/contacts',
    body: () =>
      `{"rows":[{"email":"tags@example.com"}],"tags":[${joined(fit(9), (i) => `"t${String(i).padStart(6, '0')}"`)}]}`,
    statuses: [400],
  },
  {
    name: 'many-custom-fields-keys',
    what:
      'one contact with ~1 million custom_fields keys (the limit is 16 KiB; an object may have at most 32,768 keys)',
    method: 'POST',
    path: '/v1/contacts',
    body: () =>
      `{"email":"keys@example.com","custom_fields":{${joined(fit(14), (i) => `"k${String(i).padStart(7, '0')}":1`)}}}`,
    statuses: [400],
  },
  {
    name: 'long-strings',
    what: 'one contact whose every text field is ~2.7 MB (email, names, phone, company, URL, a tag)',
    method: 'POST',
    path: '/v1/contacts',
    body: () => {
      const n = Math.floor(BODY_BUDGET / 7);
      return json({
        full_name: x(n),
        email: `${x(n - 12)}@example.com`,
        phone: '1'.repeat(n),
        company: x(n),
        job_title: x(n),
        linkedin_url: `https://linkedin.com/in/${x(n - 30)}`,
        tags: [x(n)],
      });
    },
    statuses: [400],
  },
  {
    name: 'max-field-rows',
    what: '500 rows, each at every field limit (names 200, 50 tags of 100, ~16 KiB custom_fields)',
    method: 'POST',
    path: '/v1/import/contacts',
    body: () => {
      const row = (i: number) => ({
        full_name: `${x(95)} ${x(96)}${String(i).padStart(3, '0')}`,
        email: `${x(200)}${i}@example.com`,
        job_title: x(200),
        company: x(200),
        linkedin_url: `https://www.linkedin.com/in/${x(400)}${i}`,
        tags: Array.from({ length: 50 }, (_, t) => `${x(96)}${String(t).padStart(4, '0')}`),
        custom_fields: Object.fromEntries(Array.from({ length: 16 }, (_, k) => [`field_${k}`, x(980)])),
      });
      return json({ rows: Array.from({ length: 500 }, (_, i) => row(i)), update_existing: true });
    },
    statuses: [200],
  },
  {
    name: 'one-contact-500-rows',
    what: '500 rows matching one contact, update_existing, each adding a tag and custom fields',
    method: 'POST',
    path: '/v1/import/contacts',
    body: () =>
      json({
        update_existing: true,
        rows: Array.from(
          { length: 500 },
          (_, i) => ({
            email: 'same@example.com',
            full_name: 'Same Person',
            tags: [`tag-${i}`],
            custom_fields: { [`f${i}`]: x(90) },
          }),
        ),
      }),
    statuses: [200],
  },
  {
    name: 'null-rows',
    what: '~3.8 million null rows (queued: every row is an error)',
    method: 'POST',
    path: '/v1/import/contacts',
    body: () => `{"rows":[${joined(fit(4), () => 'null')}]}`,
    statuses: [202],
  },
  {
    name: 'json-rows-queued',
    what: '~19 MB of small JSON rows (~500,000 rows, queued)',
    method: 'POST',
    path: '/v1/import/contacts',
    body: () => `{"rows":[${joined(fit(40), (i) => `{"email":"r${String(i).padStart(7, '0')}@example.com"}`)}]}`,
    statuses: [202],
  },
  {
    name: 'csv-queued',
    what: 'a ~19 MB CSV of short rows (~700,000 rows, queued)',
    method: 'POST',
    path: '/v1/import/contacts',
    body: () =>
      json({ csv: `name,email\n${joined(fit(33), (i) => `P ${i},c${String(i).padStart(7, '0')}@example.com`, '\n')}` }),
    statuses: [202],
  },
  {
    name: 'csv-nul-at-end',
    what: 'a ~19 MB CSV with a NUL on its last line',
    method: 'POST',
    path: '/v1/import/contacts',
    body: () =>
      json({
        csv: `name,email\n${
          joined(fit(33), (i) => `P ${i},n${String(i).padStart(7, '0')}@example.com`, '\n')
        }\nbad\u0000,x@example.com`,
      }),
    statuses: [400],
  },
  {
    name: 'csv-one-quoted-field',
    what: 'a CSV whose second line opens a quote that never closes (~19 MB)',
    method: 'POST',
    path: '/v1/import/contacts',
    body: () => json({ csv: `name,email\n"${x(BODY_BUDGET - 1024)}` }),
    statuses: [400],
  },
  {
    name: 'columns-at-cap',
    what:
      '250 CSV rows of 32,768 columns (the cap), every column mapped (32,768 mapping keys, the cap), each row ~32,000 custom fields',
    method: 'POST',
    path: '/v1/import/contacts',
    body: () => {
      const n = 32_768;
      const header = joined(n, (i) => `c${i}`);
      const mapping = `{${joined(n, (i) => (i === 0 ? '"c0":"email"' : `"c${i}":"custom_fields.f${i}"`))}}`;
      const rows = joined(250, (r) => `r${r}@example.com${',1'.repeat(n - 1)}`, '\n');
      return `{"csv":${json(`${header}\n${rows}`)},"mapping":${mapping}}`;
    },
    statuses: [200],
  },
  {
    name: 'custom-fields-keys-at-cap',
    what: '~50 rows, each with custom_fields of 32,768 keys (the most an object may have)',
    method: 'POST',
    path: '/v1/import/contacts',
    body: () => {
      const fields = `{${joined(32_768, (i) => `"k${String(i).padStart(5, '0')}":1`)}}`;
      const rows = Math.floor((BODY_BUDGET - 1024) / (fields.length + 40));
      return `{"rows":[${joined(rows, (r) => `{"email":"k${r}@example.com","custom_fields":${fields}}`)}]}`;
    },
    statuses: [200],
  },
  {
    name: 'tag-entries-at-cap',
    what: '500 rows, each with 1,000 tag entries (the most a list may have) naming 40 distinct tags',
    method: 'POST',
    path: '/v1/import/contacts',
    body: () =>
      json({
        rows: Array.from(
          { length: 500 },
          (_, r) => ({
            email: `t${r}@example.com`,
            tags: Array.from({ length: 1000 }, (_, t) => `tag-${t % 40}`),
          }),
        ),
      }),
    statuses: [200],
  },
  {
    name: 'tags-string-of-separators',
    what: 'one contact whose tags are a ~19 MB string of commas (~19 million entries)',
    method: 'POST',
    path: '/v1/contacts',
    body: () => json({ email: 'commas@example.com', tags: `a${','.repeat(BODY_BUDGET - 1024)}` }),
    statuses: [400],
  },
  {
    name: 'huge-mapping',
    what: 'a CSV of 300,000 columns with a mapping of 300,000 keys (an object may have at most 32,768 keys)',
    method: 'POST',
    path: '/v1/import/contacts',
    body: () => {
      const n = 300_000;
      const header = joined(n, (i) => `column_${i}`);
      const mapping = `{${joined(n, (i) => `"column_${i}":"custom_fields.f${i}"`)}}`;
      return `{"csv":${json(`${header}\nJane Doe${','.repeat(n - 1)}`)},"mapping":${mapping}}`;
    },
    statuses: [200, 400],
  },
];

export interface HostileAnswer {
  status: number;
  requestIdHeader: string | undefined;
  body: ParsedJson;
  text: string;
}

/** Sends one shape's body over a fresh connection, with a declared length, and reads the whole answer. */
export function sendShape(
  port: number,
  shape: HostileShape,
  body: string,
  key: string,
  timeoutMs = 0,
): Promise<HostileAnswer> {
  return new Promise((resolve, reject) => {
    const timer = timeoutMs > 0
      ? setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
      : undefined;
    const bytes = Buffer.from(body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: shape.method,
        path: shape.path,
        agent: false,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': bytes.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d) => chunks.push(d));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          clearTimeout(timer);
          resolve({
            status: res.statusCode!,
            requestIdHeader: res.headers['x-request-id'] as string | undefined,
            body: parsed,
            text,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(bytes);
  });
}

/** What is wrong with an answer as an envelope (null when it is one): `{data}` on success, `{error: {code, message, request_id}}` else. */
export function envelopeProblem(a: HostileAnswer): string | null {
  if (!a.body || typeof a.body !== 'object') return `not JSON: ${a.text.slice(0, 200)}`;
  if (a.status < 400) return 'data' in a.body ? null : 'a success without "data"';
  const e = a.body.error;
  if (!e || typeof e.code !== 'string' || typeof e.message !== 'string') {
    return `no error envelope: ${a.text.slice(0, 200)}`;
  }
  if (e.request_id !== a.requestIdHeader) {
    return `request_id ${e.request_id} differs from X-Request-ID ${a.requestIdHeader}`;
  }
  return null;
}
