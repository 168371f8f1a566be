/** @module GET /v1/openapi.json (the OpenAPI 3.1 document, built from the zod schemas that validate) and GET /docs (Scalar's interactive reference of it). */
import { createRoute, type OpenAPIHono, type RouteHandler, z } from '@hono/zod-openapi';
import { Scalar } from '@scalar/hono-api-reference';
import type { AppEnv } from './env.ts';
import { publicBasePath } from './paths.ts';
import { accessOf, errorResponses, responseHeaders } from './openapi.ts';

/** The @scalar/api-reference build embedded in the pinned @scalar/fastify-api-reference; the page loads it from jsDelivr when the server has no copy to serve. */
export const SCALAR_CDN_URL = 'https://cdn.jsdelivr.net/npm/@scalar/api-reference@1.76.3/dist/browser/standalone.js';

export interface DocumentRouteDeps {
  title: string;
  version: string;
  /** Scalar's standalone script to serve at /docs/scalar.js (Node reads it from node_modules); without it the page loads SCALAR_CDN_URL. */
  docsScript?: () => Promise<string>;
}

const DESCRIPTION = [
  'Create and bulk-import contacts of a LeadLex workspace.',
  '',
  'Every route also answers under `/api-gateway` and `/functions/v1/api-gateway` (the paths of a Supabase deployment). ',
  'Successful responses are `{"data": …}` (lists add `meta`); errors are the `Error` envelope. ',
  'Every response carries `X-Request-ID`; every authenticated one the `X-RateLimit-*` headers. Every POST accepts an `Idempotency-Key`.',
].join('\n');

const text = (mediaType: string, description: string) => ({
  description,
  headers: responseHeaders('public', 200),
  content: {
    [mediaType]: { schema: z.string(), example: mediaType === 'text/html' ? '<!doctype html>…' : '(function(){…' },
  },
});

const TAGS = ['Service'];

/** The document route; its example names the service, so it is made per app. */
function documentRoute({ title, version }: DocumentRouteDeps) {
  return createRoute({
    method: 'get',
    path: '/v1/openapi.json',
    operationId: 'getOpenApiDocument',
    tags: TAGS,
    summary: 'This OpenAPI 3.1 document',
    ...accessOf('public'),
    responses: {
      200: {
        description: 'The document',
        headers: responseHeaders('public', 200),
        content: {
          'application/json': {
            schema: z.object({ openapi: z.string() }).catchall(z.unknown()),
            example: { openapi: '3.1.0', info: { title, version } },
          },
        },
      },
      ...errorResponses('public'),
    },
  });
}

export const docsRoute = createRoute({
  method: 'get',
  path: '/docs',
  operationId: 'getDocs',
  tags: TAGS,
  summary: 'This reference, as an interactive page',
  ...accessOf('public'),
  responses: { 200: text('text/html', 'The page'), ...errorResponses('public') },
});

export const docsScriptRoute = createRoute({
  method: 'get',
  path: '/docs/scalar.js',
  operationId: 'getDocsScript',
  tags: TAGS,
  summary: "The reference page's script (Scalar API Reference, served locally)",
  ...accessOf('public'),
  responses: { 200: text('text/javascript', 'The script'), ...errorResponses('public') },
});

/** The whole document of `api`, built on first use: the registry is complete once the app is, and the document never changes after. */
function documentOf(api: OpenAPIHono<AppEnv>, { title, version }: DocumentRouteDeps): () => unknown {
  let document: unknown;
  return () => (document ??= api.getOpenAPI31Document({
    openapi: '3.1.0',
    info: { title, version, description: DESCRIPTION },
    servers: [
      { url: '/functions/v1/api-gateway', description: 'Supabase, relative to the project URL' },
      { url: '/', description: 'Local (npm start)' },
    ],
    tags: [
      { name: 'Contacts', description: 'Single contacts' },
      { name: 'Imports', description: 'Bulk imports and their jobs' },
      { name: 'Webhooks', description: 'Endpoints that receive events, and their deliveries' },
      { name: 'Service', description: 'Health, this document and its reference page' },
    ],
  }));
}

function docsHandler(deps: DocumentRouteDeps): RouteHandler<typeof docsRoute, AppEnv> {
  return (c) =>
    Scalar(
      {
        pageTitle: `${deps.title} reference`,
        // Relative to /docs, so the page works under every base path.
        url: 'v1/openapi.json',
        // "Try it" calls the server that served this page, under the path it is published at.
        servers: [{ url: publicBasePath(c.req.path.slice(0, -'/docs'.length)) || '/', description: 'This server' }],
        showDeveloperTools: 'never',
        cdn: deps.docsScript ? 'docs/scalar.js' : SCALAR_CDN_URL,
        // Offline-capable: no web fonts, no Scalar services.
        withDefaultFonts: false,
        telemetry: false,
        agent: { disabled: true },
        mcp: { disabled: true },
      } as Parameters<typeof Scalar>[0],
    )(c as never, async () => {}) as never;
}

export function registerDocumentRoutes(api: OpenAPIHono<AppEnv>, deps: DocumentRouteDeps): void {
  const document = documentOf(api, deps);
  api.openapi(documentRoute(deps), (c) => c.json(document() as { openapi: string }, 200));
  api.openapi(docsRoute, docsHandler(deps));
  const script = deps.docsScript;
  if (!script) return;
  api.openapi(
    docsScriptRoute,
    async (c) =>
      c.body(await script(), 200, {
        'Content-Type': 'text/javascript; charset=utf-8',
        'Cache-Control': 'public, max-age=3600',
      }),
  );
}
