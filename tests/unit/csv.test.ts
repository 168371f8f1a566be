/** @module Pins the CSV reader to spec/contract.md "CSV": how text becomes numbered records, which lines are skipped, where structural errors are reported, and that the streaming and early-stopping variants number records exactly like a whole-text parse. */
import { describe, expect, it } from 'vitest';
import {
  countCsvRecords,
  type CsvRecord,
  CsvStructureError,
  type Delimiter,
  detectDelimiter,
  MAX_CSV_COLUMNS,
  parseCsv,
} from '../../shared/imports/csv.ts';
import { streamCsvFrom } from '../support/csv-stream.ts';

/**
 * What the worker does: the request's parse finds where the data starts, and streamCsvFrom reads
 * the rest from there, split into chunks by `split`; records go into `records` as they come.
 */
async function fromDataStart(
  text: string,
  split: (rest: string) => AsyncIterable<string> | Iterable<string>,
  records: CsvRecord[] = [],
): Promise<CsvRecord[]> {
  const head = await parseCsv(text, { hasHeader: true, maxRecords: 0 });
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const rest = new TextDecoder().decode(new TextEncoder().encode(body).subarray(head.dataStart.offset));
  const start = { ...head.dataStart, rowNumber: 0 };
  for await (const r of streamCsvFrom(split(rest), { delimiter: head.delimiter, start })) {
    records.push({ row_number: r.row_number, line: r.line, fields: r.fields });
  }
  return records;
}

function chunked(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

async function* asAsync(chunks: string[]): AsyncGenerator<string> {
  for (const c of chunks) {
    await Promise.resolve();
    yield c;
  }
}

async function structureError(p: Promise<unknown>): Promise<CsvStructureError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(CsvStructureError);
    return err as CsvStructureError;
  }
  throw new Error('expected a CsvStructureError');
}

const rec = (row_number: number, line: number, fields: string[]): CsvRecord => ({ row_number, line, fields });

describe('detectDelimiter', () => {
  it.each<[string, string, Delimiter]>([
    ['comma', 'Name,Email,Phone\n', ','],
    ['semicolon (European Excel)', 'Vorname;Nachname;E-Mail\nJürgen;Müller;1,5\n', ';'],
    ['tab', 'Name\tEmail\tPhone\n', '\t'],
    ['pipe', 'Name|Email|Phone', '|'],
    ['most frequent wins', 'Umsatz (EUR, netto);Name;Email\n', ';'],
    ['a tie falls back to comma', 'a;b\tc\n', ','],
    ['a line without any delimiter falls back to comma', 'Email\nx@y.z\n', ','],
    ['empty text', '', ','],
    ['delimiters inside quotes do not count', '"Last; First; Middle",Email\n', ','],
    ['escaped quotes keep the quote state right', '"say ""a;b;c""",x,y\n', ','],
    ['only the first line counts', 'a;b\nc,d,e,f,g,h\n', ';'],
    ['a quoted line break belongs to the first line', '"a\nb;c;d;e",x,y\n', ','],
    ['leading blank and whitespace-only lines are skipped', '\r\n   \n\nName;Email\n', ';'],
    ['a BOM is ignored', '\uFEFFName;Email', ';'],
    ['a leading tab is a delimiter, not blank space', '\tName\tEmail\n', '\t'],
  ])('%s', (_name, text, expected) => {
    expect(detectDelimiter(text)).toBe(expected);
  });
});

describe('parseCsv', () => {
  it('reads a header and data records with their row numbers and lines', async () => {
    const result = await parseCsv('Name,Email\nJane,jane@acme.com\nBob,bob@beta.com\n', { hasHeader: true });
    expect(result).toStrictEqual({
      header: ['Name', 'Email'],
      delimiter: ',',
      records: [rec(1, 2, ['Jane', 'jane@acme.com']), rec(2, 3, ['Bob', 'bob@beta.com'])],
      truncated: false,
      dataStart: { offset: 11, line: 2 },
      preamble: { lines: 0, records: 0 },
    });
  });

  it('strips a UTF-8 BOM and trims header names, but leaves fields untrimmed', async () => {
    const result = await parseCsv('\uFEFF Name , Email\r\n  Jane  , jane@acme.com \r\n', { hasHeader: true });
    expect(result.header).toStrictEqual(['Name', 'Email']);
    expect(result.records).toStrictEqual([rec(1, 2, ['  Jane  ', ' jane@acme.com '])]);
  });

  it('keeps duplicate header names and turns a trailing delimiter into an empty name', async () => {
    const result = await parseCsv('Email,Name,Email,\na,b,c,\n', { hasHeader: true });
    expect(result.header).toStrictEqual(['Email', 'Name', 'Email', '']);
    expect(result.records[0].fields).toStrictEqual(['a', 'b', 'c', '']);
  });

  it('without a header, the first record is data row 1 and header is null', async () => {
    const result = await parseCsv('Jane,jane@acme.com\nBob,bob@beta.com', { hasHeader: false });
    expect(result.header).toBeNull();
    expect(result.records).toStrictEqual([rec(1, 1, ['Jane', 'jane@acme.com']), rec(2, 2, ['Bob', 'bob@beta.com'])]);
  });

  it('detects the delimiter from the header line, and an explicit delimiter wins over detection', async () => {
    const text = 'Vorname;Nachname;Umsatz\nJürgen;Müller;1.234,56\n';
    const detected = await parseCsv(text, { hasHeader: true });
    expect(detected.delimiter).toBe(';');
    expect(detected.records[0].fields).toStrictEqual(['Jürgen', 'Müller', '1.234,56']);
    const forced = await parseCsv(text, { hasHeader: true, delimiter: ',' });
    expect(forced.delimiter).toBe(',');
    expect(forced.header).toStrictEqual(['Vorname;Nachname;Umsatz']);
    expect(forced.records[0].fields).toStrictEqual(['Jürgen;Müller;1.234', '56']);
  });

  it('reads tab- and pipe-separated text', async () => {
    expect((await parseCsv('a\tb\n1\t2\n', { hasHeader: true })).records).toStrictEqual([rec(1, 2, ['1', '2'])]);
    expect((await parseCsv('a|b\n1|2\n', { hasHeader: true })).records).toStrictEqual([rec(1, 2, ['1', '2'])]);
  });

  it('handles RFC 4180 quoting: delimiters, escaped quotes and line breaks inside quotes', async () => {
    const text = 'Name,Notes\n"Doe, Jane","She said ""hi""\nand left"\n"",x\n';
    const result = await parseCsv(text, { hasHeader: true });
    expect(result.records).toStrictEqual([
      rec(1, 2, ['Doe, Jane', 'She said "hi"\nand left']),
      rec(2, 4, ['', 'x']),
    ]);
  });

  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['CR (classic Mac)', '\r'],
  ])('counts lines with %s endings, including inside quoted fields', async (_name, eol) => {
    const text = ['h1,h2', '"multi', 'line', 'note",x', 'after,y', '', 'last,z'].join(eol) + eol;
    const result = await parseCsv(text, { hasHeader: true });
    expect(result.records).toStrictEqual([
      rec(1, 2, [`multi${eol}line${eol}note`, 'x']),
      rec(2, 5, ['after', 'y']),
      rec(3, 7, ['last', 'z']),
    ]);
  });

  it('splits records on any mix of CRLF, LF and CR', async () => {
    const text = 'h1,h2\r\na,1\nb,2\rc,3\r\n\n"q\r\nq",4\nd,5';
    const result = await parseCsv(text, { hasHeader: true });
    expect(result.records).toStrictEqual([
      rec(1, 2, ['a', '1']),
      rec(2, 3, ['b', '2']),
      rec(3, 4, ['c', '3']),
      rec(4, 6, ['q\r\nq', '4']),
      rec(5, 8, ['d', '5']),
    ]);
  });

  it('skips blank and whitespace-only lines without numbering them as rows, but counts them as lines', async () => {
    const text = '\n\nName,Email\n\n   \nJane,j@x.y\n\t\n \t \r\nBob,b@x.y\n\n\n';
    const result = await parseCsv(text, { hasHeader: true });
    expect(result.header).toStrictEqual(['Name', 'Email']);
    expect(result.records).toStrictEqual([rec(1, 6, ['Jane', 'j@x.y']), rec(2, 9, ['Bob', 'b@x.y'])]);
  });

  it('skips blank rows of a spreadsheet: lines of empty cells, quoted or not, whatever the delimiter (issue 11)', async () => {
    const tsv = await parseCsv('a\tb\n\t\n1\t2\n', { hasHeader: true });
    expect(tsv.records).toStrictEqual([rec(1, 3, ['1', '2'])]);
    const csv = await parseCsv('a,b\n,\n1,2\n,,,\n3,4\n', { hasHeader: true });
    expect(csv.records).toStrictEqual([rec(1, 3, ['1', '2']), rec(2, 5, ['3', '4'])]);
    const quoted = await parseCsv('a\n""\n"  "\nx\n', { hasHeader: true });
    expect(quoted.records).toStrictEqual([rec(1, 4, ['x'])]);
    expect(await countCsvRecords('a,b\n,\n1,2\n,,,\n"",""\n"x",\n', ',', 1)).toBe(2);
  });

  it('returns ragged rows as they are', async () => {
    const result = await parseCsv('a,b,c\n1\n1,2,3,4,5\n1,2,3\n', { hasHeader: true });
    expect(result.records.map((r) => r.fields)).toStrictEqual([['1'], ['1', '2', '3', '4', '5'], ['1', '2', '3']]);
  });

  it('keeps non-ASCII text intact', async () => {
    const result = await parseCsv('Name\tEmail\nZoë 🚀\tzoe@x.y\n王小明\tw@x.y\n', { hasHeader: true });
    expect(result.records.map((r) => r.fields[0])).toStrictEqual(['Zoë 🚀', '王小明']);
  });

  it('returns an empty header and no records for empty or blank text', async () => {
    const none = { offset: 0, line: 1 };
    expect(await parseCsv('', { hasHeader: true })).toStrictEqual({
      header: [],
      delimiter: ',',
      records: [],
      truncated: false,
      dataStart: none,
      preamble: { lines: 0, records: 0 },
    });
    expect(await parseCsv('\uFEFF\r\n  \r\n', { hasHeader: true })).toStrictEqual({
      header: [],
      delimiter: ',',
      records: [],
      truncated: false,
      dataStart: none,
      preamble: { lines: 0, records: 0 },
    });
    expect(await parseCsv('', { hasHeader: false })).toStrictEqual({
      header: null,
      delimiter: ',',
      records: [],
      truncated: false,
      dataStart: none,
      preamble: { lines: 0, records: 0 },
    });
  });

  it('reads a header without data rows', async () => {
    expect(await parseCsv('Name;Email\r\n', { hasHeader: true })).toStrictEqual({
      header: ['Name', 'Email'],
      delimiter: ';',
      records: [],
      truncated: false,
      dataStart: { offset: 12, line: 2 },
      preamble: { lines: 0, records: 0 },
    });
  });

  describe('structural errors', () => {
    it('reports an unterminated quote at the line where its record starts', async () => {
      const text = 'Name,Notes\nJane,"ok"\n\n\nBob,"never closed\nmore text\nJoe,fine\n';
      const err = await structureError(parseCsv(text, { hasHeader: true }));
      expect(err.code).toBe('unterminated_quote');
      expect(err.line).toBe(5);
      expect(err.message).toBe('unterminated quoted field starting at line 5');
    });

    it('counts the lines of earlier multi-line fields when locating the broken record (CRLF inside quotes)', async () => {
      const text = 'Name,Notes\r\nJane,"a\r\nb\r\nc"\r\nBob,"x\r\n';
      const err = await structureError(parseCsv(text, { hasHeader: true }));
      expect(err.line).toBe(5);
    });

    it('reports an unterminated quote in the header as line 1, even after a BOM and with no data', async () => {
      const err = await structureError(parseCsv('\uFEFF"Name,Email\n', { hasHeader: true }));
      expect(err).toMatchObject({ code: 'unterminated_quote', line: 1 });
    });

    it('reads a closing quote followed by other characters as text, as spreadsheets do', async () => {
      const { records } = await parseCsv('a,b\n1,2\n"ab"c,d\n', { hasHeader: true });
      expect(records[1]).toStrictEqual(rec(2, 3, ['"ab"c', 'd']));
    });

    it('reads a bare quote inside an unquoted field as text (csv-spectrum location_coordinates)', async () => {
      const text = 'a,b\n1,2\n3,4\nBob "The Builder",x\nLatitude,"5\'10"" N"\n6\'2",38°53\'23"N\n';
      const { records } = await parseCsv(text, { hasHeader: true });
      expect(records.slice(2)).toStrictEqual([
        rec(3, 4, ['Bob "The Builder"', 'x']),
        rec(4, 5, ['Latitude', '5\'10" N']),
        rec(5, 6, ['6\'2"', '38°53\'23"N']),
      ]);
      expect(await countCsvRecords(text, ',', 1)).toBe(5);
    });

    it('is an Error with a name', async () => {
      const err = await structureError(parseCsv('"', { hasHeader: false }));
      expect(err).toBeInstanceOf(Error);
      expect(err.name).toBe('CsvStructureError');
      expect(err.line).toBe(1);
    });
  });

  describe('maxRecords', () => {
    const rows = (n: number) => Array.from({ length: n }, (_, i) => `u${i + 1}@x.y,User ${i + 1}`);

    it('is not truncated when the text holds exactly maxRecords records, even with blank lines after them', async () => {
      const result = await parseCsv(['email,name', ...rows(3), '', '   ', '\t', ''].join('\n'), {
        hasHeader: true,
        maxRecords: 3,
      });
      expect(result.records).toHaveLength(3);
      expect(result.truncated).toBe(false);
    });

    it('is truncated when one more record follows', async () => {
      const result = await parseCsv(['email,name', ...rows(4)].join('\n'), { hasHeader: true, maxRecords: 3 });
      expect(result.records.map((r) => r.row_number)).toStrictEqual([1, 2, 3]);
      expect(result.truncated).toBe(true);
    });

    it('is not truncated when fewer records exist', async () => {
      const result = await parseCsv(['email,name', ...rows(2)].join('\n'), { hasHeader: true, maxRecords: 3 });
      expect(result.records).toHaveLength(2);
      expect(result.truncated).toBe(false);
    });

    it('stops right after record 600: a broken tail is never read', async () => {
      const text = ['email,name', ...rows(700), 'broken,"never closed', ...rows(100)].join('\n');
      await expect(parseCsv(text, { hasHeader: true })).rejects.toBeInstanceOf(CsvStructureError);
      const result = await parseCsv(text, { hasHeader: true, maxRecords: 600 });
      expect(result.records).toHaveLength(600);
      expect(result.records[599]).toStrictEqual(rec(600, 601, ['u600@x.y', 'User 600']));
      expect(result.truncated).toBe(true);
    });

    it('does not parse a large remainder: 501 of ~200 000 records, with the file broken at its very end', async () => {
      const text = ['email,name', ...rows(200_000), '"unterminated'].join('\r\n');
      expect(text.length).toBeGreaterThan(4_000_000);
      await expect(parseCsv(text, { hasHeader: true })).rejects.toMatchObject({
        code: 'unterminated_quote',
        line: 200_002,
      });
      const result = await parseCsv(text, { hasHeader: true, maxRecords: 501 });
      expect(result.records).toHaveLength(501);
      expect(result.records[500]).toStrictEqual(rec(501, 502, ['u501@x.y', 'User 501']));
      expect(result.truncated).toBe(true);
    });

    it('counts only non-blank content as "more": whitespace-only lines do not truncate', async () => {
      const text = ['email,name', ...rows(2), ' ', '', '  \t  '].join('\r\n');
      expect((await parseCsv(text, { hasHeader: true, maxRecords: 2 })).truncated).toBe(false);
    });

    it('with 0 reads only the header', async () => {
      const text = ['email,name', ...rows(2)].join('\n');
      expect(await parseCsv(text, { hasHeader: true, maxRecords: 0 })).toStrictEqual({
        header: ['email', 'name'],
        delimiter: ',',
        records: [],
        truncated: true,
        dataStart: { offset: 11, line: 2 },
        preamble: { lines: 0, records: 0 },
      });
      expect(await parseCsv(text, { hasHeader: false, maxRecords: 0 })).toStrictEqual({
        header: null,
        delimiter: ',',
        records: [],
        truncated: true,
        dataStart: { offset: 0, line: 1 },
        preamble: { lines: 0, records: 0 },
      });
      expect((await parseCsv('email,name\n\n', { hasHeader: true, maxRecords: 0 })).truncated).toBe(false);
    });

    it('numbers records exactly like a full parse', async () => {
      const text = 'h\r\n"a\r\nb"\r\n\r\nc\r\n  \r\nd\r\ne\r\n';
      const full = await parseCsv(text, { hasHeader: true });
      const limited = await parseCsv(text, { hasHeader: true, maxRecords: 3 });
      expect(limited.records).toStrictEqual(full.records.slice(0, 3));
      expect(limited.truncated).toBe(true);
    });
  });
});

describe('streamCsvFrom (the worker, resuming where the data starts)', () => {
  // One text with every hazard: BOM, CRLF, blank and whitespace-only lines, quoted CRLF,
  // escaped quotes, a delimiter in quotes, non-BMP characters and a missing final newline.
  const TRICKY =
    '\uFEFFName;Notes;City\r\n\r\n"Zoë 🚀";"line 1\r\nline ""2""";Köln\r\n   \r\n"Doe; Jane";;\r\nBob;"x\ny";Zürich';

  it('yields the same records as parseCsv, for every way of splitting the rest in two', async () => {
    const expected = await parseCsv(TRICKY, { hasHeader: true });
    expect(expected.delimiter).toBe(';');
    expect(expected.records).toStrictEqual([
      rec(1, 3, ['Zoë 🚀', 'line 1\r\nline "2"', 'Köln']),
      rec(2, 6, ['Doe; Jane', '', '']),
      rec(3, 7, ['Bob', 'x\ny', 'Zürich']),
    ]);
    for (let cut = 0; cut <= TRICKY.length; cut++) {
      const records = await fromDataStart(TRICKY, (rest) => [rest.slice(0, cut), rest.slice(cut)]);
      expect(records, `cut at ${cut}`).toStrictEqual(expected.records);
    }
  });

  it('handles one-character chunks from an async iterable', async () => {
    const expected = await parseCsv(TRICKY, { hasHeader: true });
    expect(await fromDataStart(TRICKY, (rest) => asAsync([...rest.split('')]))).toStrictEqual(expected.records);
  });

  it('ignores empty chunks', async () => {
    expect(await fromDataStart('a,b\n1,2', (rest) => ['', rest, ''])).toStrictEqual([rec(1, 2, ['1', '2'])]);
  });

  it('yields the records before a structural error, then throws it with the line of the broken record', async () => {
    const text = 'Name,Notes\nJane,ok\n"Bob","multi\nline"\n\nCarol,"open\nDave,x\n';
    for (const size of [1, 4, 1000]) {
      const seen: CsvRecord[] = [];
      const err = await structureError(fromDataStart(text, (rest) => chunked(rest, size), seen));
      expect(seen, `chunk size ${size}`).toStrictEqual([rec(1, 2, ['Jane', 'ok']), rec(2, 3, ['Bob', 'multi\nline'])]);
      expect(err).toMatchObject({ code: 'unterminated_quote', line: 6 });
    }
  });

  it('lets the consumer stop early', async () => {
    let produced = 0;
    function* source() {
      for (let i = 1; i <= 1000; i++) {
        produced++;
        yield `u${i}@x.y\n`;
      }
    }
    const seen: number[] = [];
    for await (const r of streamCsvFrom(source(), { delimiter: ',', start: { offset: 6, line: 2, rowNumber: 0 } })) {
      seen.push(r.row_number);
      if (r.row_number === 3) break;
    }
    expect(seen).toStrictEqual([1, 2, 3]);
    expect(produced).toBeLessThan(5);
  });
});

describe('the column limit', () => {
  const wide = (n: number, cell = '') => Array.from({ length: n }, () => cell).join(',');

  it('reads a record of exactly MAX_CSV_COLUMNS columns; delimiters inside quotes are text', async () => {
    const text = `${wide(MAX_CSV_COLUMNS, 'h')}\n"${wide(MAX_CSV_COLUMNS + 5)}",x\n`;
    const parsed = await parseCsv(text, { hasHeader: true });
    expect(parsed.header).toHaveLength(MAX_CSV_COLUMNS);
    expect(parsed.records.map((r) => r.fields.length)).toStrictEqual([2]);
  });

  it('refuses a wider record at the line it starts on, before building it', async () => {
    const text = `a,b\n"multi\r\nline",1\r\n\r\n${wide(MAX_CSV_COLUMNS + 1, 'x')}\n`;
    const err = await structureError(parseCsv(text, { hasHeader: true }));
    expect(err).toMatchObject({ code: 'too_many_columns', line: 5 });
    expect(err.message).toBe(
      `the record starting at line 5 has more than ${MAX_CSV_COLUMNS} columns; at most ${MAX_CSV_COLUMNS} are allowed`,
    );
    const seen: CsvRecord[] = [];
    const streamed = await structureError(fromDataStart(text, (rest) => chunked(rest, 1000), seen));
    expect(streamed).toMatchObject({ code: 'too_many_columns', line: 5 });
    expect(seen).toStrictEqual([rec(1, 2, ['multi\r\nline', '1'])]);
  });

  it('does not look past a record limit that stops the parse first', async () => {
    const text = `a,b\n1,2\n${wide(MAX_CSV_COLUMNS + 1, 'x')}\n`;
    const parsed = await parseCsv(text, { hasHeader: true, maxRecords: 1 });
    expect(parsed.records).toStrictEqual([rec(1, 2, ['1', '2'])]);
    expect(parsed.truncated).toBe(true);
  });
});
