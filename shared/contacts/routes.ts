/** @module The contacts resource: POST /v1/contacts, GET /v1/contacts/{id}, GET /v1/contacts. */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { DataPort } from '../db/port.ts';
import type { AppEnv } from '../http/env.ts';
import { ApiError } from '../http/errors.ts';
import type { Guards } from '../http/guards.ts';
import { accessOf, errorResponses, jsonResponse } from '../http/openapi.ts';
import { throwOnInvalid } from '../http/validation.ts';
import { ContactInputSchema, normalizeContact, type ContactIssue } from './model.ts';

export const ContactSchema = z
  .object({
    id: z.string().uuid(),
    full_name: z.string().nullable(),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    email: z.string().nullable(),
    phone: z.string().nullable().openapi({ description: 'E.164' }),
    job_title: z.string().nullable(),
    company: z.string().nullable(),
    related_company_id: z.string().nullable(),
    linkedin_url: z.string().nullable(),
    priority: z.number().int().nullable().openapi({ description: '1 high, 2 medium, 3 low' }),
    tags: z.array(z.string()),
    custom_fields: z.record(z.string(), z.unknown()),
    created_date: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .strict()
  .openapi('Contact');

export type Contact = z.infer<typeof ContactSchema>;

export const CONTACT_EXAMPLE: Contact = {
  id: '5b1e7c1e-8d7a-4a39-9a51-0c3f2a7d9e10',
  full_name: 'Jane Doe',
  first_name: 'Jane',
  last_name: 'Doe',
  email: 'jane@acme.com',
  phone: '+4915112345678',
  job_title: 'Head of Sales',
  company: 'Acme GmbH',
  related_company_id: null,
  linkedin_url: null,
  priority: 1,
  tags: ['fair-2026'],
  custom_fields: { source: 'trade fair' },
  created_date: '2026-06-01T12:00:00.000Z',
  created_at: '2026-06-01T12:00:00.000Z',
  updated_at: '2026-06-01T12:00:00.000Z',
};

/** The `meta` of every paginated list. */
export const PageMetaSchema = z
  .object({ page: z.number().int(), per_page: z.number().int(), total: z.number().int(), total_pages: z.number().int() })
  .strict()
  .openapi('PageMeta');

const IdParams = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' } }) });

const ListQuery = z
  .object({
    page: z.coerce.number().int().min(1).max(100000).default(1),
    per_page: z.coerce.number().int().min(1).max(100).default(25),
    email: z.string().max(254).optional(),
  })
  .strict();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type CreateResult =
  | { status: 'created'; contact: Contact }
  | { status: 'duplicate'; field: 'email' | 'phone'; contact_id: string };

export interface ContactRouteDeps {
  db: DataPort;
  guards: Guards;
  now: () => Date;
}

export function registerContactRoutes(app: OpenAPIHono<AppEnv>, { db, guards, now }: ContactRouteDeps) {
  const create = createRoute({
    method: 'post',
    path: '/v1/contacts',
    operationId: 'createContact',
    tags: ['Contacts'],
    summary: 'Create a contact',
    ...accessOf('idempotent'),
    middleware: guards.write('write:contacts'),
    request: {
      body: {
        required: true,
        content: { 'application/json': { schema: ContactInputSchema, example: { full_name: 'Jane Doe', email: 'jane@acme.com', phone: '+49 151 12345678', tags: ['fair-2026'] } } },
      },
    },
    responses: {
      201: jsonResponse('idempotent', 201, 'Created', z.object({ data: ContactSchema }).strict(), { data: CONTACT_EXAMPLE }),
      ...errorResponses('idempotent', [], { 409: ['duplicate_contact', 'idempotency_key_in_use'] }),
    },
  });

  app.openapi(
    create,
    async (c) => {
      const result = normalizeContact(c.req.valid('json'), { now: now() });
      if (!result.ok) throw contactValidationError(result.issues);
      const out = await db.rpc<CreateResult>('contact_create', {
        p_workspace_id: c.get('principal').workspaceId,
        p_contact: result.contact,
      });
      if (out.status === 'duplicate') {
        throw new ApiError('duplicate_contact', `A contact with this ${out.field} already exists (${out.contact_id}).`, [
          { path: out.field, message: `already used by contact ${out.contact_id}`, contact_id: out.contact_id },
        ]);
      }
      return c.json({ data: out.contact }, 201);
    },
    // The model, not the schema, is the authority on what is wrong: its issues carry the row codes
    // (missing_identity, invalid_email, ...) that imports report too.
    (result) => {
      if (result.success) return undefined;
      // zod-validator hands the hook the raw input as `data` on failure too.
      const model = normalizeContact((result as { data?: unknown }).data, { now: now() });
      if (!model.ok) throw contactValidationError(model.issues);
      throwOnInvalid(result);
      return undefined;
    },
  );

  const get = createRoute({
    method: 'get',
    path: '/v1/contacts/{id}',
    operationId: 'getContact',
    tags: ['Contacts'],
    summary: 'Get a contact',
    ...accessOf('read'),
    middleware: guards.read('read:contacts', 'write:contacts'),
    request: { params: IdParams },
    responses: {
      200: jsonResponse('read', 200, 'The contact', z.object({ data: ContactSchema }).strict(), { data: CONTACT_EXAMPLE }),
      ...errorResponses('read', [404]),
    },
  });

  app.openapi(get, async (c) => {
    const { id } = c.req.valid('param');
    // An id that is not a UUID cannot name a contact; answering 404 keeps one answer for "not yours".
    const contact = UUID.test(id)
      ? await db.rpc<Contact | null>('contact_get', { p_workspace_id: c.get('principal').workspaceId, p_id: id })
      : null;
    if (!contact) throw new ApiError('not_found', 'No contact with this id.');
    return c.json({ data: contact }, 200);
  });

  const list = createRoute({
    method: 'get',
    path: '/v1/contacts',
    operationId: 'listContacts',
    tags: ['Contacts'],
    summary: 'List contacts',
    ...accessOf('read'),
    middleware: guards.read('read:contacts', 'write:contacts'),
    request: { query: ListQuery },
    responses: {
      200: jsonResponse('read', 200, 'A page of contacts, oldest first', z.object({ data: z.array(ContactSchema), meta: PageMetaSchema }).strict(), {
        data: [CONTACT_EXAMPLE],
        meta: { page: 1, per_page: 25, total: 1, total_pages: 1 },
      }),
      ...errorResponses('read', [400]),
    },
  });

  app.openapi(list, async (c) => {
    const { page, per_page, email } = c.req.valid('query');
    const out = await db.rpc<{ items: Contact[]; total: number }>('contact_list', {
      p_workspace_id: c.get('principal').workspaceId,
      p_page: page,
      p_per_page: per_page,
      p_email: email?.trim() || null,
    });
    return c.json(
      { data: out.items, meta: { page, per_page, total: out.total, total_pages: Math.ceil(out.total / per_page) } },
      200,
    );
  });
}

function contactValidationError(issues: ContactIssue[]): ApiError {
  return new ApiError(
    'validation_error',
    `Invalid contact: ${issues.map((i) => i.message).join('; ')}.`,
    issues.map(({ path, message, code }) => ({ path, message, code })),
  );
}
