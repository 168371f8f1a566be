/** @module The contacts resource: POST /v1/contacts, GET /v1/contacts/{id}, GET /v1/contacts. */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { DataPort } from '../db/port.ts';
import type { AppEnv } from '../http/env.ts';
import { ApiError } from '../http/errors.ts';
import type { Guards } from '../http/guards.ts';
import { errorResponses } from '../http/openapi.ts';
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
  .openapi('Contact');

export type Contact = z.infer<typeof ContactSchema>;

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
    summary: 'Create a contact',
    security: [{ apiKey: [] }],
    middleware: guards.write('write:contacts'),
    request: { body: { required: true, content: { 'application/json': { schema: ContactInputSchema } } } },
    responses: {
      201: { description: 'Created', content: { 'application/json': { schema: z.object({ data: ContactSchema }) } } },
      ...errorResponses(400, 401, 403, 409, 413, 415, 429),
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
    summary: 'Get a contact',
    security: [{ apiKey: [] }],
    middleware: guards.read('read:contacts', 'write:contacts'),
    request: { params: IdParams },
    responses: {
      200: { description: 'The contact', content: { 'application/json': { schema: z.object({ data: ContactSchema }) } } },
      ...errorResponses(401, 403, 404, 429),
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
    summary: 'List contacts',
    security: [{ apiKey: [] }],
    middleware: guards.read('read:contacts', 'write:contacts'),
    request: { query: ListQuery },
    responses: {
      200: {
        description: 'A page of contacts, oldest first',
        content: {
          'application/json': {
            schema: z.object({
              data: z.array(ContactSchema),
              meta: z.object({ page: z.number(), per_page: z.number(), total: z.number(), total_pages: z.number() }),
            }),
          },
        },
      },
      ...errorResponses(400, 401, 403, 429),
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
