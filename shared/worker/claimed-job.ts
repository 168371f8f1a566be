/** @module A job as import_job_claim hands it to a worker: what it needs to resume from the cursor under its lease. */
import type { CsvSettings } from '../imports/prepare-rows.ts';

export interface ClaimedJob {
  job_id: string;
  workspace_id: string;
  lease_token: string;
  attempt: number;
  payload_format: 'ndjson' | 'csv';
  csv_settings: CsvSettings | null;
  update_existing: boolean;
  tags: string[];
  cursor_offset: number;
  cursor_line: number;
  processed_rows: number;
  payload_bytes: number | null;
}
