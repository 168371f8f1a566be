/** @module The response checker of the integration suite refuses what the document does not allow (so a passing suite means something). */
import { describe, expect, it } from 'vitest';
import { assertConformsToDocument, type ObservedResponse } from '../support/openapi-conformance.ts';

const contact = {
  id: '5b1e7c1e-8d7a-4a39-9a51-0c3f2a7d9e10',
  full_name: 'Jane Doe',
  first_name: 'Jane',
  last_name: 'Doe',
  email: 'jane@acme.com',
  phone: null,
  job_title: null,
  company: null,
  related_company_id: null,
  linkedin_url: null,
  priority: null,
  tags: [],
  custom_fields: {},
  created_date: '2026-06-01T12:00:00.000Z',
  created_at: '2026-06-01T12:00:00.000Z',
  updated_at: '2026-06-01T12:00:00.000Z',
};

function response(
  over: Partial<ObservedResponse> & { body?: unknown; extraHeaders?: Record<string, string> } = {},
): ObservedResponse {
  const headers = new Headers({
    'content-type': 'application/json',
    'x-request-id': 'req_1',
    'x-ratelimit-limit': '60',
    'x-ratelimit-remaining': '59',
    'x-ratelimit-reset': '1764646800',
    ...over.extraHeaders,
  });
  return {
    method: 'GET',
    url: `/v1/contacts/${contact.id}`,
    status: 200,
    headers,
    text: JSON.stringify(over.body ?? { data: contact }),
    ...over,
  };
}

const failure = (r: ObservedResponse) => assertConformsToDocument(r).then(() => 'conforms', (e: Error) => e.message);

describe('the OpenAPI response checker', () => {
  it('accepts a documented response, under every base path', async () => {
    expect(await failure(response())).toBe('conforms');
    expect(await failure(response({ url: `/functions/v1/api-gateway/v1/contacts/${contact.id}?x=1` }))).toBe(
      'conforms',
    );
  });

  it('refuses an undocumented status', async () => {
    expect(await failure(response({ status: 418 }))).toMatch(
      /status 418 is not documented for GET \/v1\/contacts\/\{id\}/,
    );
  });

  it('refuses a body field the schema does not have, and a missing one', async () => {
    expect(await failure(response({ body: { data: { ...contact, nickname: 'JD' } } }))).toMatch(
      /must NOT have additional properties/,
    );
    const { email: _, ...withoutEmail } = contact;
    expect(await failure(response({ body: { data: withoutEmail } }))).toMatch(/must have required property 'email'/);
  });

  it('refuses a missing required header, a malformed one and an undocumented one', async () => {
    const r = response();
    r.headers.delete('x-request-id');
    expect(await failure(r)).toMatch(/required header x-request-id is missing/);
    expect(await failure(response({ extraHeaders: { 'x-ratelimit-remaining': 'many' } }))).toMatch(
      /header x-ratelimit-remaining/,
    );
    expect(await failure(response({ extraHeaders: { 'x-debug': '1' } }))).toMatch(/header x-debug is not documented/);
  });

  it('refuses an error that is not the envelope, and a route the document lacks unless it is the 404 envelope', async () => {
    expect(await failure(response({ status: 404, body: { message: 'nope' } }))).toMatch(/body/);
    const notFound = { error: { code: 'not_found', message: 'No route for GET /v1/nope.', request_id: 'req_1' } };
    expect(await failure(response({ url: '/v1/nope', status: 404, body: notFound }))).toBe('conforms');
    expect(await failure(response({ url: '/v1/nope', status: 200 }))).toMatch(/no such operation/);
  });
});
