/** @module Examples of the import API for its OpenAPI document (shown by /docs and generated clients). */

const JOB_ID = 'imp_01KB8ZQ4N2V6X7Y8Z9A0B1C2D3';

const rowError = { row_number: 2, code: 'missing_identity', message: 'a contact needs a name or an email' };

export const IMPORT_EXAMPLES = {
  request: {
    rows: {
      summary: 'JSON rows',
      value: {
        rows: [
          { full_name: 'Jane Doe', email: 'jane@acme.com', phone: '+49 151 12345678', company: 'Acme GmbH' },
          { phone: '+49 30 1234567', company: 'Muster AG' },
        ],
        update_existing: true,
        tags: ['fair-2026'],
      },
    },
    csv: {
      summary: 'CSV text',
      value: {
        csv: 'First Name,Last Name,Email Address\nJane,Doe,jane@acme.com\n',
        update_existing: true,
        tags: ['fair-2026'],
      },
    },
  },
  completed: {
    data: {
      job_id: JOB_ID,
      status: 'completed',
      total_rows: 2,
      created_count: 1,
      updated_count: 0,
      skipped_count: 1,
      errors: [rowError],
    },
  },
  queued: { data: { job_id: JOB_ID, status: 'queued', total_rows: 1200 } },
  job: {
    data: {
      job_id: JOB_ID,
      status: 'completed',
      source: 'csv',
      total_rows: 1200,
      processed_rows: 1200,
      created_count: 1100,
      updated_count: 99,
      skipped_count: 1,
      error_count: 1,
      errors: [{ ...rowError, line: 3 }],
      errors_truncated: false,
      errors_stored: 1,
      error_counts: { missing_identity: 1 },
      update_existing: true,
      tags: ['fair-2026'],
      mapping_used: { 'First Name': 'first_name', 'Last Name': 'last_name', 'Email Address': 'email' },
      unmapped_columns: ['Notes'],
      preamble_lines_skipped: null,
      failure_reason: null,
      created_at: '2026-06-01T12:00:00.000Z',
      started_at: '2026-06-01T12:00:00.200Z',
      finished_at: '2026-06-01T12:00:03.900Z',
    },
  },
  errorsPage: { data: [{ ...rowError, line: 3 }], meta: { page: 1, per_page: 100, total: 1, total_pages: 1 } },
};
