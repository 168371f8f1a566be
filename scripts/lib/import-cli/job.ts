/** @module Sending one part and following its job to the end through GET /v1/import/jobs/{id}, paced by the key's rate limit. */
import { parse } from 'csv-parse/sync';
import { type ApiClient, sleep } from './api.ts';

export interface RowError {
  row_number: number;
  line?: number | null;
  code: string;
  message: string;
}

/** What the command needs of a finished part: the job's final counters and every row error. */
export interface JobResult {
  job_id: string;
  status: 'completed' | 'failed';
  total_rows: number;
  created_count: number;
  updated_count: number;
  skipped_count: number;
  error_count: number;
  failure_reason?: string | null;
}

export interface Accepted {
  job_id: string;
  status: 'completed' | 'queued';
  replayed: boolean;
  total_rows: number | null;
  /** A synchronous import answers with its counts and all its errors at once. */
  sync?: JobResult & { errors: RowError[] };
}

const POLL_MS = 1000;

export async function sendPart(api: ApiClient, body: string, idempotencyKey: string): Promise<Accepted> {
  const res = await api.call('POST', '/v1/import/contacts', { body, idempotencyKey });
  const data = (await res.json()).data;
  const replayed = res.headers.get('idempotent-replayed') === 'true';
  if (data.status === 'completed') {
    return {
      job_id: data.job_id,
      status: 'completed',
      replayed,
      total_rows: data.total_rows,
      sync: { ...data, error_count: data.errors.length },
    };
  }
  return { job_id: data.job_id, status: 'queued', replayed, total_rows: data.total_rows };
}

/** Polls once a second, slower when the key's rate-limit window is nearly spent. */
async function pollDelay(api: ApiClient, signal: AbortSignal): Promise<void> {
  const rl = api.rateLimit;
  const wait = rl && rl.remaining <= 2 ? Math.max(POLL_MS, rl.resetAt - Date.now()) : POLL_MS;
  await sleep(Math.min(wait, 60_000), signal);
}

export async function followJob(
  api: ApiClient,
  jobId: string,
  signal: AbortSignal,
  onProgress: (processed: number, total: number | null) => void,
): Promise<JobResult> {
  for (;;) {
    const job = (await (await api.call('GET', `/v1/import/jobs/${jobId}`)).json()).data;
    onProgress(job.processed_rows, job.total_rows);
    if (job.status === 'completed' || job.status === 'failed') return job as JobResult;
    await pollDelay(api, signal);
  }
}

/** Every row error of a job, from the streamed CSV (one request, however many errors). */
export async function jobErrors(api: ApiClient, jobId: string): Promise<RowError[]> {
  const text = await (await api.call('GET', `/v1/import/jobs/${jobId}/errors.csv`)).text();
  const rows = parse(text, { from_line: 2 }) as string[][];
  return rows.map(([row, line, code, message]) => ({
    row_number: Number(row),
    line: line === '' ? null : Number(line),
    code,
    message,
  }));
}
