/**
 * @module `<input>.errors.csv`: every row error with its row number and line in the ORIGINAL
 * file, its code and message, and the row's original cells, so the file can be fixed and imported
 * again. The cells come from the part the CLI sent, read with the server's own CSV parser.
 */
import { appendFileSync, rmSync } from 'node:fs';
import { type Delimiter, parseCsv } from '../../../shared/imports/csv.ts';
import { csvLine } from '../../../shared/imports/csv-out.ts';
import type { RowError } from './job.ts';
import type { PartRequest } from './parts.ts';
import type { Part, Plan } from './plan.ts';

export class ErrorReport {
  readonly path: string;
  private headerWritten = false;
  count = 0;

  constructor(
    input: string,
    private readonly plan: Plan,
  ) {
    this.path = `${input}.errors.csv`;
    // A report left by an earlier run describes that run: this one writes its own.
    rmSync(this.path, { force: true });
  }

  async add(part: Part, req: PartRequest, errors: RowError[]): Promise<void> {
    if (errors.length === 0) return;
    const sorted = [...errors].sort((a, b) => a.row_number - b.row_number);
    const lines = this.plan.format === 'csv'
      ? await this.csvLines(part, req.csv!, sorted)
      : this.jsonLines(part, req.rows!, sorted);
    appendFileSync(this.path, lines.join(''));
    this.count += errors.length;
  }

  private writeHeader(cells: string[]): string {
    if (this.headerWritten) return '';
    this.headerWritten = true;
    return csvLine(['row_number', 'line', 'code', 'message', ...cells]);
  }

  /** Only the message is guarded against formulas: the cells are the user's own data, kept exact so they import again unchanged. */
  private static readonly guard = (i: number) => i === 3;

  private async csvLines(part: Part, csv: string, errors: RowError[]): Promise<string[]> {
    const wanted = new Map(errors.map((e) => [e.row_number, e]));
    const cells = new Map<number, string[]>();
    const { header, records } = await parseCsv(csv, {
      hasHeader: this.plan.fields.has_header as boolean,
      delimiter: this.plan.fields.delimiter as Delimiter,
    });
    for (const r of records) {
      if (wanted.has(r.row_number)) cells.set(r.row_number, r.fields);
      if (cells.size === wanted.size) break;
    }
    const names = header ?? Array.from({ length: this.plan.firstRecordCells ?? 0 }, (_, i) => String(i + 1));
    const out = [this.writeHeader(names)];
    // The part's data starts on line prefixLines + 1 of the text sent, and on part.firstLine of the file.
    const shift = part.firstLine - (this.plan.prefixLines + 1);
    for (const e of errors) {
      const line = e.line == null ? null : e.line + shift;
      out.push(
        csvLine(
          [e.row_number + part.firstRow - 1, line, e.code, e.message, ...(cells.get(e.row_number) ?? [])],
          ErrorReport.guard,
        ),
      );
    }
    return out;
  }

  /** A JSON row has no cells: its original object goes in one `row` column, on one line. */
  private jsonLines(part: Part, rows: { text: string; line: number }[], errors: RowError[]): string[] {
    const out = [this.writeHeader(['row'])];
    for (const e of errors) {
      const row = rows[e.row_number - 1];
      out.push(
        csvLine(
          [e.row_number + part.firstRow - 1, row?.line ?? null, e.code, e.message, row ? compact(row.text) : ''],
          ErrorReport.guard,
        ),
      );
    }
    return out;
  }
}

function compact(json: string): string {
  try {
    return JSON.stringify(JSON.parse(json));
  } catch {
    return json;
  }
}
