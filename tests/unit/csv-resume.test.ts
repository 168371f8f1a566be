import { describe, expect, it } from 'vitest';
import { parseCsv, type PositionedCsvRecord } from '../../shared/imports/csv.ts';
import { streamCsvFrom } from '../support/csv-stream.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Splits text into pieces of `size` characters, the way payload slices arrive. */
function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

async function all(gen: AsyncGenerator<PositionedCsvRecord>) {
  const out: PositionedCsvRecord[] = [];
  for await (const r of gen) out.push(r);
  return out;
}

const TEXT = '\uFEFFName,Notes,Email\r\n' +
  'Zoë,"two\r\nlines",zoe@x.com\r\n' +
  '\r\n' +
  'José,plain,jose@x.com\r\n' +
  '王小明,"quote ""inside""",wang@x.com\n' +
  'Ólafur,"a\nb\nc",olafur@x.com\r\n' +
  'Last,,last@x.com';

describe('resuming a CSV parse at a record boundary', () => {
  it('parses from the header end to the same records, lines and row numbers as a whole parse', async () => {
    const whole = await parseCsv(TEXT, { hasHeader: true });
    const bytes = enc.encode(TEXT.slice(1)); // the stored payload has no BOM
    const rest = dec.decode(bytes.subarray(whole.dataStart.offset));
    expect(whole.dataStart).toEqual({ offset: enc.encode('Name,Notes,Email\r\n').length, line: 2 });
    for (const size of [1, 3, 7, 1000]) {
      const resumed = await all(
        streamCsvFrom(pieces(rest, size), { delimiter: ',', start: { ...whole.dataStart, rowNumber: 0 } }),
      );
      expect(resumed.map(({ row_number, line, fields }) => ({ row_number, line, fields }))).toEqual(whole.records);
    }
  });

  it('gives each record the offset and line where the next one starts, so any record boundary is a resume point', async () => {
    const whole = await parseCsv(TEXT, { hasHeader: true });
    const bytes = enc.encode(TEXT.slice(1));
    const first = await all(
      streamCsvFrom([dec.decode(bytes.subarray(whole.dataStart.offset))], {
        delimiter: ',',
        start: { ...whole.dataStart, rowNumber: 0 },
      }),
    );
    for (let k = 0; k < first.length; k++) {
      const at = first[k];
      const resumed = await all(
        streamCsvFrom(pieces(dec.decode(bytes.subarray(at.end)), 5), {
          delimiter: ',',
          start: { offset: at.end, line: at.nextLine, rowNumber: at.row_number },
        }),
      );
      expect(resumed).toEqual(first.slice(k + 1));
    }
    expect(first.at(-1)!.end).toBe(bytes.length);
    expect(first.map((r) => [r.row_number, r.line])).toEqual([
      [1, 2],
      [2, 5],
      [3, 6],
      [4, 7],
      [5, 10],
    ]);
  });

  it('yields the records before a structural error, then throws with the absolute line', async () => {
    const rest = 'a,b\nc,d\ne,"never closed\nf,g\n';
    const seen: number[] = [];
    let error: unknown;
    try {
      for await (
        const r of streamCsvFrom(pieces(rest, 4), { delimiter: ',', start: { offset: 100, line: 40, rowNumber: 30 } })
      ) seen.push(r.row_number);
    } catch (err) {
      error = err;
    }
    expect(seen).toEqual([31, 32]);
    expect(error).toMatchObject({ name: 'CsvStructureError', code: 'unterminated_quote', line: 42 });
  });
});
