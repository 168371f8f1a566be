/**
 * @module The request schema of a contact (POST /v1/contacts and each of an import's rows): it
 * declares types for the OpenAPI document and early rejection of malformed bodies, and defers every
 * content rule to normalizeContact, so the HTTP validator and the import engine cannot drift apart.
 * Lengths are documented via metadata rather than zod's .max(), which counts UTF-16 units where the
 * rules count code points.
 */
import { z } from 'zod';
import { MAX } from './fields.ts';
import { isPlainObject, msg } from './messages.ts';
import { normalizeContact } from './normalize.ts';

const nullableText = (field: string, maxLength: number, description: string) =>
  z
    .string({ error: (iss) => msg.notString(field, iss.input) })
    .meta({ description, maxLength })
    .nullable()
    .optional();

const companyId = (field: string, description: string, deprecated = false) =>
  z
    .union([z.string().meta({ maxLength: MAX.related_company_id }), z.number()], {
      error: (iss) => msg.idType(field, iss.input),
    })
    .meta({ description, ...(deprecated ? { deprecated: true } : {}) })
    .nullable()
    .optional();

const contactShape = {
  full_name: nullableText(
    'full_name',
    MAX.name,
    'Full name. "Last, First" is understood; a lone full name is split on its last space.',
  ),
  first_name: nullableText('first_name', MAX.name, 'Given name.'),
  last_name: nullableText('last_name', MAX.name, 'Family name.'),
  email: z
    .string({ error: (iss) => msg.notString('email', iss.input) })
    .meta({ description: 'Email address; matched case-insensitively.', maxLength: MAX.email, format: 'email' })
    .nullable()
    .optional(),
  phone: z
    .string({ error: (iss) => msg.phoneType(iss.input) })
    .meta({
      description: 'Phone number with a country code (+ or 00); stored as E.164.',
      maxLength: MAX.phone,
      example: '+1 415 555 2671',
    })
    .nullable()
    .optional(),
  job_title: nullableText('job_title', MAX.job_title, 'Job title.'),
  company: nullableText('company', MAX.company, 'Company name.'),
  related_company_id: companyId('related_company_id', 'Identifier of the related company record.'),
  company_id: companyId('company_id', 'Legacy alias of related_company_id, used only when that is absent.', true),
  linkedin_url: nullableText(
    'linkedin_url',
    MAX.linkedin_url,
    'LinkedIn profile URL; https:// is added when no scheme is given.',
  ),
  priority: z
    .union([z.number(), z.string()], { error: (iss) => msg.priority(iss.input) })
    .meta({ description: '"high" (1), "medium" (2), "low" (3), or the integer 1-3.', example: 'high' })
    .nullable()
    .optional(),
  tags: z
    .union([z.array(z.unknown()).meta({ items: { type: 'string', maxLength: MAX.tag } }), z.string()], {
      error: (iss) => msg.tagsType(iss.input),
    })
    .meta({
      description:
        `Up to ${MAX.tags} tags, as an array or a string separated by commas or semicolons; de-duplicated case-insensitively.`,
    })
    .nullable()
    .optional(),
  // Not z.record: that visits every key (seconds for a million) before the size rule can refuse it.
  custom_fields: z
    .unknown()
    .refine((v) => v === null || v === undefined || isPlainObject(v), {
      error: (iss) => msg.customFieldsType(iss.input),
    })
    .meta({
      type: ['object', 'null'],
      additionalProperties: {},
      description: `Free-form JSON object, at most ${MAX.custom_fields_bytes} bytes serialised.`,
    })
    .optional(),
  // Any type is accepted because an unusable created_date becomes "now" rather than an error.
  created_date: z
    .unknown()
    .meta({
      type: 'string',
      format: 'date-time',
      description: 'ISO 8601 date or date-time, at most 24 h ahead and 5 years back; otherwise the time of import.',
    })
    .optional(),
};

/** Body of POST /v1/contacts and one element of `rows` in POST /v1/import/contacts. */
export const ContactInputSchema = z
  .strictObject(contactShape, {
    error: (iss) =>
      iss.code === 'unrecognized_keys' ? iss.keys.map((k) => msg.unknownField(k)).join('; ') : msg.notObject(iss.input),
  })
  .check((ctx) => {
    // zod skips this check after a type error; the only issue it can have raised by now is the
    // unknown-keys one, so unknown fields are left to zod and not reported twice.
    const result = normalizeContact(ctx.value, { now: new Date(), allowUnknownFields: true });
    if (result.ok) return;
    for (const issue of result.issues) {
      const path = issue.path === '' ? [] : issue.path.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
      ctx.issues.push({ code: 'custom', message: issue.message, input: ctx.value, path, params: { code: issue.code } });
    }
  })
  // The OpenAPI document's components/schemas/ContactInput (POST /v1/contacts and each of an import's rows).
  .meta({ id: 'ContactInput' });

export type ContactInput = z.input<typeof ContactInputSchema>;
