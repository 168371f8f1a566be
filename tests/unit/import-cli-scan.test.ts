/** The import command's byte scanners: record boundaries as the server's parser sees them, whatever the chunking, and exact JSON-encoded sizes. */
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../shared/imports/csv.ts';
import { csvField } from '../../shared/imports/csv-out.ts';
import { CsvScanner, type ScannedRecord } from '../../scripts/lib/import-cli/csv-scan.ts';
import { JsonRowScanner, type ScannedRow } from '../../scripts/lib/import-cli/json-scan.ts';

const TRICKY = 'Name,Email,Note\r\n' +
  'Ann,a@x.de,"two\r\nlines, ""quoted"""\r\n' +
  '   \r\n' +
  'Bob,b@x.de,plain\n' +
  'Cé,c@x.de,"lone\rcr"\r' +
  '\n' +
  'Dan,d@x.de,"tab\there \\ backslash"\n' +
  'Zoë,z@x.de,"ends without newline"';

function scan(bytes: Buffer, chunk: number): ScannedRecord[] {
  const out: ScannedRecord[] = [];
  const s = new CsvScanner(0x2c, (r) => out.push(r));
  for (let i = 0; i < bytes.length; i += chunk) s.feed(bytes.subarray(i, i + chunk));
  s.finish();
  return out;
}

describe('CsvScanner', () => {
  const bytes = Buffer.from(TRICKY);
  const whole = scan(bytes, bytes.length);

  it('finds the records, lines and blank lines the server parser finds', async () => {
    const server = await parseCsv(TRICKY, { hasHeader: true, delimiter: ',' });
    const data = whole.slice(1).filter((r) => !r.blank);
    expect(data.map((r) => r.line)).toEqual(server.records.map((r) => r.line));
    expect(whole.filter((r) => r.blank)).toHaveLength(1);
    expect(whole.at(-1)!.end).toBe(bytes.length);
    // The records tile the file: each starts where the last ended.
    for (let i = 1; i < whole.length; i++) expect(whole[i].start).toBe(whole[i - 1].end);
  });

  it('gives the same records whatever the chunk size', () => {
    for (let chunk = 1; chunk <= bytes.length; chunk++) expect(scan(bytes, chunk)).toEqual(whole);
  });

  it('costs each record exactly what JSON.stringify adds for it', () => {
    for (const r of whole) {
      const text = bytes.subarray(r.start, r.end).toString('utf8');
      expect(r.cost).toBe(Buffer.byteLength(JSON.stringify(text)) - 2);
    }
  });

  it('reports a quote left open at the end of the file', () => {
    const s = new CsvScanner(0x2c, () => {});
    s.feed(Buffer.from('a,b\n1,"open\n2,3\n'));
    expect(s.finish().unterminatedQuoteLine).toBe(2);
  });
});

describe('JsonRowScanner', () => {
  const rows = [{ a: '}]", \\"' }, { b: [1, { c: 2 }] }, { d: 'é\n' }];
  const scanAll = (text: string, format: 'array' | 'ndjson', chunk: number) => {
    const out: ScannedRow[] = [];
    const s = new JsonRowScanner(format, (r) => out.push(r));
    const b = Buffer.from(text);
    for (let i = 0; i < b.length; i += chunk) s.feed(b.subarray(i, i + chunk));
    s.finish();
    return out.map((r) => ({ row: JSON.parse(b.subarray(r.start, r.end).toString('utf8')), line: r.line }));
  };

  it('finds the objects of an array and of NDJSON with their lines, whatever the chunk size', () => {
    const array = JSON.stringify(rows, null, 1);
    for (const chunk of [1, 2, 7, 1000]) {
      expect(scanAll(array, 'array', chunk)).toEqual([
        { row: rows[0], line: 2 },
        { row: rows[1], line: 5 },
        { row: rows[2], line: 13 },
      ]);
      expect(scanAll(rows.map((r) => JSON.stringify(r)).join('\n') + '\n', 'ndjson', chunk).map((r) => r.line)).toEqual(
        [1, 2, 3],
      );
    }
  });

  it('refuses rows that are not objects, an unclosed array and text after it', () => {
    expect(() => scanAll('[{"a":1}, 2]', 'array', 100)).toThrow('every row must be a JSON object');
    expect(() => scanAll('[{"a":1}', 'array', 100)).toThrow('not closed');
    expect(() => scanAll('[{"a":1}] x', 'array', 100)).toThrow('after the closing');
  });
});

describe('csvField', () => {
  it('quotes what needs quoting and guards formula starts only when asked', () => {
    expect(csvField('a,b', true)).toBe('"a,b"');
    expect(csvField('say "hi"', true)).toBe('"say ""hi"""');
    expect(csvField('=1+1', true)).toBe("'=1+1");
    expect(csvField('=1+1', false)).toBe('=1+1');
    expect(csvField(-5, true)).toBe('-5');
    expect(csvField(null, true)).toBe('');
  });
});
