/** @module The contacts resource: POST /v1/contacts, GET /v1/contacts/{id}, GET /v1/contacts. */
import { createRoute, type OpenAPIHono, type RouteHandler, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { DataPort } from '../db/port.ts';
import type { AppEnv } from '../http/env.ts';
import { ApiError } from '../http/errors.ts';
import type { Guards } from '../http/guards.ts';
import { accessOf, errorResponses, jsonResponse } from '../http/openapi.ts';
import { pageFields, pageMeta, PageMetaSchema } from '../http/pagination.ts';
import { idParams, lookupById, UUID } from '../http/resource-ids.ts';
import { validationError } from '../http/validation.ts';
import { ContactInputSchema, type ContactIssue, normalizeContact, type NormalizedContact } from './model.ts';

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

const ListQuery = z
  .object({
    ...pageFields({ maxPage: 100000, defaultPerPage: 25 }),
    email: z.string().max(254).optional(),
  })
  .strict();

const TAGS = ['Contacts'];

/** Documented with ContactInputSchema; validated by the handler (see createHandler). */
export const createContactRoute = createRoute({
  method: 'post',
  path: '/v1/contacts',
  operationId: 'createContact',
  tags: TAGS,
  summary: 'Create a contact',
  ...accessOf('idempotent'),
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: ContactInputSchema,
          example: { full_name: 'Jane Doe', email: 'jane@acme.com', phone: '+49 151 12345678', tags: ['fair-2026'] },
        },
      },
    },
  },
  responses: {
    201: jsonResponse('idempotent', 201, 'Created', z.object({ data: ContactSchema }).strict(), {
      data: CONTACT_EXAMPLE,
    }),
    ...errorResponses('idempotent', [], { 409: ['duplicate_contact', 'idempotency_key_in_use'] }),
  },
});

export const getContactRoute = createRoute({
  method: 'get',
  path: '/v1/contacts/{id}',
  operationId: 'getContact',
  tags: TAGS,
  summary: 'Get a contact',
  ...accessOf('noBody'),
  request: { params: idParams('id') },
  responses: {
    200: jsonResponse('noBody', 200, 'The contact', z.object({ data: ContactSchema }).strict(), {
      data: CONTACT_EXAMPLE,
    }),
    ...errorResponses('noBody', [404]),
  },
});

export const listContactsRoute = createRoute({
  method: 'get',
  path: '/v1/contacts',
  operationId: 'listContacts',
  tags: TAGS,
  summary: 'List contacts',
  ...accessOf('noBody'),
  request: { query: ListQuery },
  responses: {
    200: jsonResponse(
      'noBody',
      200,
      'A page of contacts, oldest first',
      z.object({ data: z.array(ContactSchema), meta: PageMetaSchema }).strict(),
      {
        data: [CONTACT_EXAMPLE],
        meta: { page: 1, per_page: 25, total: 1, total_pages: 1 },
      },
    ),
    ...errorResponses('noBody', [400]),
  },
});

type CreateResult =
  | { status: 'created'; contact: Contact }
  | { status: 'duplicate'; field: 'email' | 'phone'; contact_id: string };

export interface ContactRouteDeps {
  db: DataPort;
  guards: Guards;
  now: () => Date;
}

/**
 * ContactInputSchema's declared types without its content check: that check runs the model with a
 * clock of its own, and the route runs the model itself, once, with the app's clock.
 */
const ContactTypes = z.strictObject(ContactInputSchema.shape);

/**
 * The body as the model normalises it. The model is the authority on what is wrong: its issues carry
 * the row codes (missing_identity, invalid_email, ...) that imports report too; the declared types
 * speak only where the model accepted the body.
 */
function normalizedBody(body: unknown, now: Date): NormalizedContact {
  const model = normalizeContact(body, { now });
  if (!model.ok) throw contactValidationError(model.issues);
  const types = ContactTypes.safeParse(body);
  if (!types.success) throw validationError('request body', types.error);
  return model.contact;
}

function createHandler({ db, now }: ContactRouteDeps) {
  return async (c: Context<AppEnv>) => {
    const contact = normalizedBody(await c.req.json(), now());
    const out = await db.rpc<CreateResult>('contact_create', {
      p_workspace_id: c.get('principal').workspaceId,
      p_contact: contact,
    });
    if (out.status === 'duplicate') {
      throw new ApiError('duplicate_contact', `A contact with this ${out.field} already exists (${out.contact_id}).`, [
        { path: out.field, message: `already used by contact ${out.contact_id}`, contact_id: out.contact_id },
      ]);
    }
    return c.json({ data: out.contact }, 201);
  };
}

function getHandler({ db }: ContactRouteDeps): RouteHandler<typeof getContactRoute, AppEnv> {
  return async (c) => {
    const workspaceId = c.get('principal').workspaceId;
    const contact = await lookupById(
      c.req.valid('param').id,
      UUID,
      (id) => db.rpc<Contact | null>('contact_get', { p_workspace_id: workspaceId, p_id: id }),
    );
    if (!contact) throw new ApiError('not_found', 'No contact with this id.');
    return c.json({ data: contact }, 200);
  };
}

function listHandler({ db }: ContactRouteDeps): RouteHandler<typeof listContactsRoute, AppEnv> {
  return async (c) => {
    const { page, per_page, email } = c.req.valid('query');
    const out = await db.rpc<{ items: Contact[]; total: number }>('contact_list', {
      p_workspace_id: c.get('principal').workspaceId,
      p_page: page,
      p_per_page: per_page,
      p_email: email?.trim() || null,
    });
    return c.json({ data: out.items, meta: pageMeta(page, per_page, out.total) }, 200);
  };
}

export function registerContactRoutes(app: OpenAPIHono<AppEnv>, deps: ContactRouteDeps) {
  // Documented as usual, but routed without zod-openapi's body validator, whose schema check would
  // normalise the contact a second time with its own clock.
  app.openAPIRegistry.registerPath(createContactRoute);
  app.openapi(
    { ...createContactRoute, request: {}, hide: true, middleware: deps.guards.jsonBody('writeContacts') },
    createHandler(deps),
  );
  app.openapi({ ...getContactRoute, middleware: deps.guards.noBody('readContacts') }, getHandler(deps));
  app.openapi({ ...listContactsRoute, middleware: deps.guards.noBody('readContacts') }, listHandler(deps));
}

function contactValidationError(issues: ContactIssue[]): ApiError {
  return new ApiError(
    'validation_error',
    `Invalid contact: ${issues.map((i) => i.message).join('; ')}.`,
    issues.map(({ path, message, code }) => ({ path, message, code })),
  );
}
