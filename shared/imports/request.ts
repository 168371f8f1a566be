/** @module The body of POST /v1/import/contacts: its zod schema (also the OpenAPI document) and the cross-field rules. */
import { z } from '@hono/zod-openapi';

/** Rows are validated one by one by the contact model (a bad row is reported, not refused), so the document names their schema by reference (contacts/schema.ts registers it by its meta id). */
export const CONTACT_INPUT_REF = '#/components/schemas/ContactInput';

/** Synchronous limit: more data rows than this are queued. */
export const SYNC_ROW_LIMIT = 500;

const TagSchema = z.string().trim().min(1, 'a tag cannot be empty').max(100, 'a tag is at most 100 characters');

export const ImportRequestSchema = z
  .object({
    // Not z.array: that visits every element (millions in a 20 MB body) in one go; rows are
    // judged one by one later, with turns given between them.
    rows: z
      .custom<unknown[]>()
      .check((ctx) => {
        if (!Array.isArray(ctx.value)) ctx.issues.push({ code: 'invalid_type', expected: 'array', input: ctx.value });
        else if (ctx.value.length === 0) {
          ctx.issues.push({
            code: 'too_small',
            origin: 'array',
            minimum: 1,
            inclusive: true,
            input: ctx.value,
            message: 'rows must hold at least one row',
          });
        }
      })
      .optional()
      .openapi({
        description: 'Contact objects with the fields of POST /v1/contacts. Provide either rows or csv.',
        type: 'array',
        items: { $ref: CONTACT_INPUT_REF },
      }),
    csv: z.string().min(1, 'csv must not be empty').optional().openapi({
      description: 'Raw CSV text (RFC 4180, UTF-8). Provide either rows or csv.',
    }),
    has_header: z.boolean().optional().openapi({ description: 'CSV only; default true.' }),
    // Not z.record: that visits (and copies) every key, up to 32,768 of them, in one go; mapping.ts
    // reads the keys with turns given between them.
    mapping: z
      .custom<Record<string, unknown>>()
      .check((ctx) => {
        const v = ctx.value;
        if (typeof v !== 'object' || v === null || Array.isArray(v)) {
          ctx.issues.push({ code: 'invalid_type', expected: 'record', input: v });
        }
      })
      .optional()
      .openapi({
        type: 'object',
        additionalProperties: { type: 'string' },
        description:
          'CSV only. Header name (or 1-based column number without header) → contact field, or `custom_fields.<name>`. Without it, headers are matched by name and common synonyms.',
      }),
    delimiter: z.enum([',', ';', '\t', '|']).optional().openapi({
      description: 'CSV only; detected from the first line when absent.',
    }),
    update_existing: z.boolean().optional().openapi({
      description: 'Update contacts matched by email or phone instead of skipping them; default false.',
    }),
    tags: z.array(TagSchema).max(50, 'at most 50 tags').optional().openapi({
      description: 'Tags applied to every created and updated contact.',
    }),
  })
  .strict()
  .superRefine((body, ctx) => {
    const hasRows = body.rows !== undefined;
    const hasCsv = body.csv !== undefined;
    if (hasRows === hasCsv) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: hasRows ? 'provide either rows or csv, not both' : 'provide either rows or csv',
      });
    }
    if (hasRows) {
      for (const key of ['has_header', 'mapping', 'delimiter'] as const) {
        if (body[key] !== undefined) {
          ctx.addIssue({ code: 'custom', path: [key], message: `${key} applies only to csv imports` });
        }
      }
    }
  })
  .openapi('ImportRequest');

export type ImportRequest = z.infer<typeof ImportRequestSchema>;

/** Request tags, cleaned like a contact's: trimmed, de-duplicated case-insensitively, first spelling kept. */
export function requestTags(tags: string[] | undefined): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const t of tags ?? []) {
    const key = t.toLowerCase();
    if (!seen.has(key)) {
      seen.add(key);
      out.push(t);
    }
  }
  return out;
}
