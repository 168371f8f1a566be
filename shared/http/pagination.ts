/** @module The one pagination rule of every list: `page` and `per_page` (1–100) in, `meta` with totals out. */
import { z } from '@hono/zod-openapi';

export const MAX_PER_PAGE = 100;

/** The `meta` of every paginated list. */
export const PageMetaSchema = z
  .object({
    page: z.number().int(),
    per_page: z.number().int(),
    total: z.number().int(),
    total_pages: z.number().int(),
  })
  .strict()
  .openapi('PageMeta');

export type PageMeta = z.infer<typeof PageMetaSchema>;

/** The query fields of a list; lists differ only in how deep they page and their page size. */
export function pageFields({ maxPage, defaultPerPage }: { maxPage: number; defaultPerPage: number }) {
  return {
    page: z.coerce.number().int().min(1).max(maxPage).default(1),
    per_page: z.coerce.number().int().min(1).max(MAX_PER_PAGE).default(defaultPerPage),
  };
}

export function pageMeta(page: number, per_page: number, total: number): PageMeta {
  return { page, per_page, total, total_pages: Math.ceil(total / per_page) };
}
