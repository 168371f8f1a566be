/** @module GET /v1/import/jobs/{job_id}/errors.csv: every row error of a job as a streamed CSV, paged from the database by row number. */
import type { DataPort } from '../db/port.ts';
import { csvLine } from './csv-out.ts';

/** Errors read per query: small enough for a bounded statement, large enough that a million errors take 1,000 queries. */
export const ERRORS_CSV_PAGE = 1000;

export const ERRORS_CSV_HEADER = ['row_number', 'line', 'code', 'message'] as const;

type ErrorRow = [row_number: number, line: number | null, code: string, message: string];

function page(db: DataPort, workspaceId: string, jobId: string, afterRow: number): Promise<ErrorRow[] | null> {
  return db.rpc<ErrorRow[] | null>('import_job_errors_after', {
    p_workspace_id: workspaceId,
    p_job_id: jobId,
    p_after_row: afterRow,
    p_limit: ERRORS_CSV_PAGE,
  });
}

/**
 * The CSV as a stream, or null when the job is not the workspace's. The first page is read before
 * answering, so an unknown job is a 404 rather than an empty 200; later pages are read as the
 * client takes the bytes (pull), so a slow reader holds no more than one page in memory.
 */
export async function errorsCsvStream(
  db: DataPort,
  workspaceId: string,
  jobId: string,
): Promise<ReadableStream<Uint8Array> | null> {
  const first = await page(db, workspaceId, jobId, 0);
  if (first === null) return null;
  const encoder = new TextEncoder();
  let pending: ErrorRow[] = first;
  let headerSent = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(csvLine(ERRORS_CSV_HEADER)));
      }
      if (pending.length === 0) return controller.close();
      // Only the message is guarded: row_number and line are integers, code is one of a fixed set.
      controller.enqueue(encoder.encode(pending.map((r) => csvLine(r, (i) => i === 3)).join('')));
      const last = pending[pending.length - 1][0];
      pending = pending.length < ERRORS_CSV_PAGE ? [] : ((await page(db, workspaceId, jobId, last)) ?? []);
    },
  });
}
