/**
 * @module Holds the CSV reader to the version before the worker-cpu change (tests/unit/reference):
 * records taken as csv-parse pushes them instead of through on_record, a byte window without a
 * view per record, a width scanner that skips plain text, and records handed out a chunk at a time
 * must give the same records, lines, offsets and errors (code, line, message) for any text.
 */
import { describe, expect, it } from 'vitest';
import {
  type CsvParseOptions,
  CsvStructureError,
  type Delimiter,
  MAX_CSV_COLUMNS,
  parseCsv,
  streamCsvBatchesFrom,
} from '../../shared/imports/csv.ts';
import { streamCsvFrom } from '../support/csv-stream.ts';
import { RecordWidthScanner } from '../../shared/imports/csv-width.ts';
import * as before from './oracles/csv.ts';
import { RecordWidthScanner as RecordWidthScannerBefore } from './oracles/csv-width.ts';
import { int, pick, randomPieces, recordText, seeded, tokenText } from '../support/random-text.ts';

type Outcome = { ok: unknown } | { error: { name: string; code?: string; line?: number; message: string } };

async function outcome(run: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: await run() };
  } catch (err) {
    if (!(err instanceof Error)) throw err;
    const { name, message } = err;
    return err instanceof CsvStructureError
      ? { error: { name, code: err.code, line: err.line, message } }
      : { error: { name, message } };
  }
}

/** Records up to the error, and the error: what the worker acts on. */
async function streamed(gen: AsyncIterable<unknown>): Promise<{ records: unknown[]; end: Outcome }> {
  const records: unknown[] = [];
  const end = await outcome(async () => {
    for await (const r of gen) records.push(r);
    return 'end';
  });
  return { records, end };
}

const DELIMITERS: Delimiter[] = [',', ';', '\t', '|'];
const looksLikeHeader = (fields: string[]) => fields.some((f) => /email/i.test(f));

function randomOptions(rnd: () => number): CsvParseOptions {
  return {
    hasHeader: rnd() < 0.7,
    delimiter: rnd() < 0.5 ? undefined : pick(rnd, DELIMITERS),
    maxRecords: rnd() < 0.4 ? undefined : pick(rnd, [0, 1, 2, 3, 7, 20]),
    isHeader: rnd() < 0.3 ? looksLikeHeader : undefined,
  };
}

function randomText(rnd: () => number): string {
  const text = rnd() < 0.35 ? tokenText(rnd, 40) : recordText(rnd, pick(rnd, DELIMITERS), 12);
  return rnd() < 0.1 ? `\uFEFF${text}` : text;
}

const HAND_PICKED = [
  '',
  '\r\n',
  'a',
  '"',
  '""',
  '"a',
  'a,b\r',
  'a,b\r\n\r\n\r\n',
  '\n\n\nName,Email\nAnna,anna@x.com',
  'Name,Email\r\n"Zoë ""Z""",zoe@x.com\r\n,,\r\n  \r\nJosé,"a\r\nb"\r\n',
  'Notes:\nexported by X\n\nName,Email\nAnna,a@x.com\n',
  'a,"b"c,d\ne,f',
  'a,b"c,d\n"e""",f',
  '="00420601",x\r\n=""y"",z',
  'x,y\r"open\r\nstill open',
  '\uFEFFName;Email\r\nA;a@x.com\rB;b@x.com\nC;c@x.com',
  '🙂,王\n\uD83D,x\n',
];

describe('parseCsv against the version before (whole text, record limits, header search)', () => {
  it('agrees on hand-picked texts under every option', async () => {
    for (const text of HAND_PICKED) {
      for (const hasHeader of [true, false]) {
        for (const maxRecords of [undefined, 0, 1, 2]) {
          for (const isHeader of [undefined, looksLikeHeader]) {
            const options = { hasHeader, maxRecords, isHeader };
            const [a, b] = [
              await outcome(() => before.parseCsv(text, options)),
              await outcome(() => parseCsv(text, options)),
            ];
            expect(b, JSON.stringify({ text, options: { hasHeader, maxRecords, header: !!isHeader } })).toEqual(a);
          }
        }
      }
    }
  });

  it('agrees on 1,500 random texts', async () => {
    for (let seed = 1; seed <= 1500; seed++) {
      const rnd = seeded(seed);
      const text = randomText(rnd);
      const options = randomOptions(rnd);
      const [a, b] = [
        await outcome(() => before.parseCsv(text, options)),
        await outcome(() => parseCsv(text, options)),
      ];
      expect(b, `seed ${seed}`).toEqual(a);
    }
  });

  it('agrees when the record limit falls in a later slice of a large text, mid-slice', async () => {
    for (let seed = 1; seed <= 3; seed++) {
      const rnd = seeded(seed);
      const rows: string[] = ['Name,Email,Notes'];
      for (let i = 0; i < 3000; i++) rows.push(`Zoë ${i},z${i}@x.com,"line\r\n${'n'.repeat(int(rnd, 40))}"`);
      const text = rows.join(pick(rnd, ['\r\n', '\n']));
      for (const maxRecords of [700, 1500, 2999, 3000, 5000]) {
        const options = { hasHeader: true, maxRecords };
        const [a, b] = [
          await outcome(() => before.parseCsv(text, options)),
          await outcome(() => parseCsv(text, options)),
        ];
        expect(b, `seed ${seed}, limit ${maxRecords}`).toEqual(a);
      }
    }
  });
});

describe('streamCsvFrom against the version before (the worker, resuming mid-text)', () => {
  it('agrees on 1,500 random texts cut into random pieces, from random cursors', async () => {
    for (let seed = 1; seed <= 1500; seed++) {
      const rnd = seeded(seed);
      const text = randomText(rnd);
      const pieces = randomPieces(rnd, text, pick(rnd, [2, 5, 16, 200]));
      const options = {
        delimiter: pick(rnd, DELIMITERS),
        start: { offset: int(rnd, 1000), line: 1 + int(rnd, 50), rowNumber: int(rnd, 30) },
      };
      const a = await streamed(before.streamCsvFrom(pieces, options));
      const b = await streamed(streamCsvFrom(pieces, options));
      expect(b, `seed ${seed}`).toEqual(a);
    }
  });

  it('hands out in batches exactly the records it hands out one by one', async () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rnd = seeded(seed);
      const text = recordText(rnd, ',', 30);
      const pieces = randomPieces(rnd, text, 20);
      const options = { delimiter: ',' as const, start: { offset: 0, line: 1, rowNumber: 0 } };
      const batched = await streamed(
        (async function* () {
          for await (const batch of streamCsvBatchesFrom(pieces, options)) {
            expect(batch.length).toBeGreaterThan(0);
            yield* batch;
          }
        })(),
      );
      expect(batched, `seed ${seed}`).toEqual(await streamed(streamCsvFrom(pieces, options)));
    }
  });
});

describe('records wider than MAX_CSV_COLUMNS, against the version before', () => {
  const wide = (delimiter: string) => 'x' + delimiter.repeat(MAX_CSV_COLUMNS);

  it('refuses them at the same line with the same message, wherever they sit', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rnd = seeded(seed);
      const delimiter = pick(rnd, DELIMITERS);
      const head = recordText(rnd, delimiter, 6);
      // Quoted delimiters and line breaks before and inside the wide record must not be counted.
      const inside = rnd() < 0.5 ? `"a${delimiter}\r\nb"${delimiter}` : '';
      const text = `${head}${head.endsWith('\n') || head.endsWith('\r') || head === '' ? '' : '\n'}${inside}${
        wide(delimiter)
      }\nafter${delimiter}row\n`;
      const pieces = randomPieces(rnd, text, pick(rnd, [7, 1000, 70_000]));
      const options = { delimiter, start: { offset: 0, line: 1, rowNumber: 0 } };
      expect(await streamed(streamCsvFrom(pieces, options)), `seed ${seed}`).toEqual(
        await streamed(before.streamCsvFrom(pieces, options)),
      );
      const parseOptions = { hasHeader: rnd() < 0.5, delimiter };
      expect(await outcome(() => parseCsv(text, parseOptions)), `seed ${seed}`).toEqual(
        await outcome(() => before.parseCsv(text, parseOptions)),
      );
    }
  });

  it('the width scanner keeps the same state (quotes, lines, fields) as the version before, chunk by chunk', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rnd = seeded(seed);
      const delimiter = pick(rnd, DELIMITERS);
      const line = 1 + int(rnd, 9);
      const [a, b] = [new RecordWidthScannerBefore(delimiter, line), new RecordWidthScanner(delimiter, line)];
      for (const piece of randomPieces(rnd, randomText(rnd), 9)) {
        expect(b.feed(piece), `seed ${seed}`).toBe(a.feed(piece));
      }
      // What the scanners now hold shows in where (and on which line) they find a record too wide.
      const tail = pick(rnd, ['', '\n', '"', `"${delimiter}"`, '\r']) + wide(delimiter);
      const [at, bt] = [a.feed(tail), b.feed(tail)];
      expect(bt, `seed ${seed}`).toBe(at);
      if (at !== -1) expect(b.error().message, `seed ${seed}`).toBe(a.error().message);
    }
  });
});
