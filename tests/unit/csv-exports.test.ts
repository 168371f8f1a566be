/** @module Pins how the CSV reader takes real exports (issue 11): a preamble before the header, Excel text guards, and that a queued import resumed after the header numbers physical lines of the original file. */
import { describe, expect, it } from 'vitest';
import { countCsvRecords, detectDelimiter, parseCsv, type PositionedCsvRecord } from '../../shared/imports/csv.ts';
import { streamCsvFrom } from '../support/csv-stream.ts';
import { headerRecogniser } from '../../shared/imports/mapping.ts';

const LINKEDIN = 'Notes:\r\n' +
  '"When exporting your connection data, you may notice that some of the email addresses are missing. You will only see email addresses for connections who have allowed their connections to see or download it."\r\n' +
  '\r\n' +
  'First Name,Last Name,URL,Email Address,Company,Position,Connected On\r\n' +
  'Ana,Ruiz,https://www.linkedin.com/in/ana-ruiz,,Acme,CTO,02 Dec 2026\r\n' +
  'Bo,Li,https://www.linkedin.com/in/bo-li,bo@li.cn,Beta,,01 Dec 2026\r\n';

describe('a preamble before the header', () => {
  it('is skipped when a later record is recognised as the header, and reported in lines and records', async () => {
    const out = await parseCsv(LINKEDIN, { hasHeader: true, isHeader: headerRecogniser(undefined) });
    expect(out.header).toStrictEqual([
      'First Name',
      'Last Name',
      'URL',
      'Email Address',
      'Company',
      'Position',
      'Connected On',
    ]);
    expect(out.preamble).toStrictEqual({ lines: 3, records: 2 });
    expect(out.records.map((r) => [r.row_number, r.line, r.fields[0]])).toStrictEqual([
      [1, 5, 'Ana'],
      [2, 6, 'Bo'],
    ]);
    expect(await countCsvRecords(LINKEDIN, out.delimiter, 1 + out.preamble.records)).toBe(2);
  });

  it('takes its delimiter from the first line that has one', () => {
    expect(detectDelimiter('Export;\nnothing here\n\nVorname;Nachname;E-Mail\n')).toBe(';');
    expect(detectDelimiter('Notes:\n"a, b, c"\n\nName\tEmail\n')).toBe('\t');
  });

  it('is the first record when no record is recognised, as in any CSV', async () => {
    const text = 'Kunde,Ort\nA,B\nC,D\n';
    const out = await parseCsv(text, { hasHeader: true, isHeader: () => false });
    expect(out.header).toStrictEqual(['Kunde', 'Ort']);
    expect(out.records.map((r) => [r.row_number, r.line])).toStrictEqual([
      [1, 2],
      [2, 3],
    ]);
    expect(out.preamble).toStrictEqual({ lines: 0, records: 0 });
  });

  it('is looked for in the first 11 records only', async () => {
    const text = [...Array.from({ length: 11 }, (_, i) => `junk ${i}`), 'Email', 'a@b.c', ''].join('\n');
    const out = await parseCsv(text, { hasHeader: true, isHeader: (f) => f[0] === 'Email' });
    expect(out.header).toStrictEqual(['junk 0']);
    expect(out.records).toHaveLength(12);
  });

  it('lets a queued import resume after the header with the lines of the original file', async () => {
    const out = await parseCsv(LINKEDIN, { hasHeader: true, isHeader: headerRecogniser(undefined) });
    const rest = new TextDecoder().decode(new TextEncoder().encode(LINKEDIN).subarray(out.dataStart.offset));
    const resumed: PositionedCsvRecord[] = [];
    for await (
      const r of streamCsvFrom([rest], { delimiter: out.delimiter, start: { ...out.dataStart, rowNumber: 0 } })
    ) resumed.push(r);
    expect(resumed.map((r) => [r.row_number, r.line, r.fields[3]])).toStrictEqual([
      [1, 5, ''],
      [2, 6, 'bo@li.cn'],
    ]);
  });
});

describe('Excel text guards', () => {
  it('are unwrapped in any cell, quoted or not, in the header too', async () => {
    const text = '="Phone",Email\n="00420601123456",a@b.c\n"=""0042 601 123 457""",="x""y"\n';
    const out = await parseCsv(text, { hasHeader: true });
    expect(out.header).toStrictEqual(['Phone', 'Email']);
    expect(out.records.map((r) => r.fields)).toStrictEqual([
      ['00420601123456', 'a@b.c'],
      ['0042 601 123 457', 'x"y'],
    ]);
  });

  it('leave other formulas and text with =" inside alone', async () => {
    const out = await parseCsv('a,b\n=SUM(A1),x="y"\n', { hasHeader: true });
    expect(out.records[0].fields).toStrictEqual(['=SUM(A1)', 'x="y"']);
  });
});
