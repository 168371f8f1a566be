/** @module A part's request: its body, built from the file's bytes, and its Idempotency-Key, derived from the file's content, the options and the part. */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { JsonRowScanner } from './json-scan.ts';
import type { Part, Plan } from './plan.ts';

/** Bumped when the way a file is cut into parts changes, so old keys never meet new bodies. */
const KEY_VERSION = 1;

export async function readRange(file: string, start: number, end: number): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(end - start);
    let off = 0;
    while (off < buf.length) {
      const { bytesRead } = await fh.read(buf, off, buf.length - off, start + off);
      if (bytesRead === 0) throw new Error(`${file} changed while it was being imported`);
      off += bytesRead;
    }
    return buf;
  } finally {
    await fh.close();
  }
}

/** The JSON texts of a JSON part's rows with the line each starts on, in order. */
export function jsonRows(bytes: Buffer, firstLine: number): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  const scanner = new JsonRowScanner(
    'ndjson',
    (r) => out.push({ text: bytes.subarray(r.start, r.end).toString('utf8'), line: r.line + firstLine - 1 }),
  );
  scanner.feed(bytes);
  scanner.finish();
  return out;
}

export interface PartRequest {
  body: string;
  idempotencyKey: string;
  /** CSV: the text sent, kept to find the cells of rows the server reports errors for. */
  csv?: string;
  /** JSON: each row's text and line in the file. */
  rows?: { text: string; line: number }[];
}

export function idempotencyKey(plan: Plan, part: Part): string {
  const digest = createHash('sha256')
    .update(
      JSON.stringify({
        v: KEY_VERSION,
        file: plan.sha256,
        fields: plan.fields,
        part: [part.index, part.start, part.end],
      }),
    )
    .digest('hex');
  return `leadlex-import-${digest.slice(0, 40)}`;
}

export async function partRequest(file: string, plan: Plan, part: Part): Promise<PartRequest> {
  const bytes = await readRange(file, part.start, part.end);
  const idempotencyKey_ = idempotencyKey(plan, part);
  if (plan.format === 'csv') {
    const csv = plan.prefix.toString('utf8') + bytes.toString('utf8');
    return { body: JSON.stringify({ csv, ...plan.fields }), idempotencyKey: idempotencyKey_, csv };
  }
  const rows = jsonRows(bytes, part.firstLine);
  // The rows travel as they are in the file; "rows" is the first key, so its array opens at a fixed place.
  const envelope = JSON.stringify({ rows: [], ...plan.fields });
  const body = envelope.slice(0, 9) + rows.map((r) => r.text).join(',') + envelope.slice(9);
  return { body, idempotencyKey: idempotencyKey_, rows };
}
