/** @module Scalar's standalone API-reference script, read from node_modules so GET /docs works without a CDN. */

/**
 * The pinned @scalar/fastify-api-reference embeds the standalone build of @scalar/api-reference
 * (the package itself would add ~300 MB of dependencies) and serves it at `<prefix>/js/scalar.js`.
 * Registering the plugin on a stand-in that only records routes and calling that route's handler
 * yields the script through the plugin's own public interface.
 */
export async function loadScalarScript(): Promise<string> {
  const { default: plugin } = await import('@scalar/fastify-api-reference');
  const routes: { url: string; handler: (req: unknown, reply: unknown) => unknown }[] = [];
  const fastify = {
    route: (r: (typeof routes)[number]) => routes.push(r),
    hasPlugin: () => false,
    log: { warn() {} },
    initialConfig: {},
  };
  (plugin as unknown as (f: unknown, o: unknown, done: () => void) => void)(fastify, {
    configuration: { content: '{}' },
  }, () => {});
  const route = routes.find((r) => r.url.endsWith('/js/scalar.js'));
  if (!route) {
    throw new Error('@scalar/fastify-api-reference no longer serves js/scalar.js; update scripts/lib/scalar-script.ts');
  }
  let body: unknown;
  const reply = { header: () => reply, send: (b: unknown) => ((body = b), reply) };
  route.handler({}, reply);
  if (typeof body !== 'string' || body.length < 100_000) {
    throw new Error('@scalar/fastify-api-reference served no script');
  }
  return body;
}

let cached: Promise<string> | undefined;

/** For AppDeps.docsScript: loaded on the first GET /docs/scalar.js, then kept. */
export const scalarScript = () => (cached ??= loadScalarScript());
