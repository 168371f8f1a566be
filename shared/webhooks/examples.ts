/** @module Examples of the webhooks API for its OpenAPI document. */

const endpointId = '0f6c2b4e-3a1d-4c8e-9b7a-2d5e6f7a8b9c';

const endpoint = {
  id: endpointId,
  url: 'https://example.com/hooks/leadlex',
  events: ['import.completed'],
  description: 'CRM sync',
  active: true,
  disabled_reason: null,
  created_at: '2026-06-01T12:00:00.000Z',
  updated_at: '2026-06-01T12:00:00.000Z',
};

const event = {
  id: 'evt_01KB8ZR7C3D4E5F6G7H8J9K0M1',
  event: 'import.completed',
  created_at: '2026-06-01T12:00:04.000Z',
  workspace_id: '7d3f5a1c-2b4e-4f6a-8c9d-0e1f2a3b4c5d',
  data: {
    job_id: 'imp_01KB8ZQ4N2V6X7Y8Z9A0B1C2D3',
    status: 'completed',
    total_rows: 1200,
    created_count: 1100,
    updated_count: 0,
    skipped_count: 100,
    error_count: 3,
  },
};

export const WEBHOOK_EXAMPLES = {
  endpointId,
  createBody: { url: endpoint.url, events: endpoint.events, description: endpoint.description },
  created: { data: { ...endpoint, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw4uWXPg3bQn0=' } },
  endpoint: { data: endpoint },
  list: { data: [endpoint], meta: { page: 1, per_page: 25, total: 1, total_pages: 1 } },
  deliveries: {
    data: [
      {
        id: 'dlv_01KB8ZR7C3D4E5F6G7H8J9K0M2',
        event_id: event.id,
        event: 'import.completed',
        status: 'succeeded',
        attempt_count: 1,
        next_attempt_at: null,
        last_status_code: 200,
        last_error: null,
        created_at: '2026-06-01T12:00:04.000Z',
        completed_at: '2026-06-01T12:00:04.180Z',
        attempts: [
          {
            attempt: 1,
            started_at: '2026-06-01T12:00:04.050Z',
            finished_at: '2026-06-01T12:00:04.180Z',
            status_code: 200,
            duration_ms: 130,
            error: null,
            response_body: 'ok',
          },
        ],
      },
    ],
    meta: { page: 1, per_page: 25, total: 1, total_pages: 1 },
  },
  event,
};
