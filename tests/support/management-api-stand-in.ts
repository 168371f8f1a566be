/**
 * @module STAND-IN for Supabase's Management API (api.supabase.com), which cannot be reached here.
 * It implements only what `supabase functions deploy --use-api` calls, so the exact upload can be
 * captured: `POST /v1/projects/{ref}/functions/deploy?slug=…` (multipart: a `metadata` JSON field
 * and one `file` part per uploaded file, named by its path), `PUT /v1/projects/{ref}/functions`
 * (the bulk update after several uploads), `GET /v1/projects/{ref}`, and `POST /v1/projects/{ref}/secrets`
 * (what `supabase secrets set` sends: a JSON list of `{name, value}`).
 *
 * How it differs from the real API: it checks only that a bearer token is sent (not that it is a
 * valid access token with rights on the project); it does not bundle, type-check or store anything
 * beyond this process (secrets are kept in plain memory, not encrypted), so a function it accepts is not yet proven to bundle on Supabase (the test
 * boots the captured files under the Edge Runtime's Deno instead); versions and ids are counters;
 * every other route is a 404.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CapturedDeploy {
  slug: string;
  /** The metadata field as the CLI sent it (entrypoint_path, import_map_path, verify_jwt, static_patterns, name). */
  metadata: Record<string, unknown>;
  /** Uploaded files by the path the CLI gave them (relative to the project directory). */
  files: Map<string, Buffer>;
}

export interface ManagementApiStandIn {
  url: string;
  deploys: Map<string, CapturedDeploy>;
  /** The project's secrets as `supabase secrets set` stored them: what each function's environment gets. */
  secrets: Map<string, string>;
  /** Every request line received, for assertions and for debugging a failed deploy. */
  requests: string[];
  close(): Promise<void>;
}

export async function startManagementApiStandIn(projectRef: string): Promise<ManagementApiStandIn> {
  const deploys = new Map<string, CapturedDeploy>();
  const secrets = new Map<string, string>();
  const requests: string[] = [];
  const project = `/v1/projects/${projectRef}`;

  const server: Server = createServer(async (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', 'http://stand-in');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const body = await readBody(req);
    if (!/^Bearer \S+$/.test(req.headers.authorization ?? '')) return send(401, { message: 'Unauthorized' });
    try {
      if (req.method === 'POST' && url.pathname === `${project}/functions/deploy`) {
        const captured = await parseDeploy(url.searchParams.get('slug') ?? '', req.headers['content-type'] ?? '', body);
        deploys.set(captured.slug, captured);
        return send(201, functionRecord(captured, deploys.size));
      }
      if (req.method === 'PUT' && url.pathname === `${project}/functions`) {
        return send(200, { functions: JSON.parse(body.toString('utf8')) });
      }
      if (req.method === 'POST' && url.pathname === `${project}/secrets`) {
        for (const { name, value } of JSON.parse(body.toString('utf8')) as { name: string; value: string }[]) {
          secrets.set(name, value);
        }
        return send(201, {});
      }
      if (req.method === 'GET' && url.pathname === project) {
        return send(200, {
          id: projectRef,
          ref: projectRef,
          name: 'rehearsal',
          organization_id: 'org',
          region: 'local',
          status: 'ACTIVE_HEALTHY',
          created_at: new Date(0).toISOString(),
        });
      }
      return send(404, { message: `no stand-in for ${req.method} ${url.pathname}` });
    } catch (err) {
      return send(400, { message: (err as Error).message });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    deploys,
    secrets,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Parses the multipart upload with the platform's own multipart parser (undici's Request.formData). */
async function parseDeploy(slug: string, contentType: string, body: Buffer): Promise<CapturedDeploy> {
  if (!slug) throw new Error('slug is required');
  const form = await new Request('http://stand-in/', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: new Uint8Array(body),
  }).formData();
  const metadata = form.get('metadata');
  if (typeof metadata !== 'string') throw new Error('the metadata field is missing');
  const files = new Map<string, Buffer>();
  for (const part of form.getAll('file')) {
    if (typeof part === 'string') throw new Error('a file part without a file name');
    files.set(part.name, Buffer.from(await part.arrayBuffer()));
  }
  return { slug, metadata: JSON.parse(metadata) as Record<string, unknown>, files };
}

function functionRecord(captured: CapturedDeploy, version: number) {
  const now = Date.now();
  return {
    id: `fn-${captured.slug}`,
    slug: captured.slug,
    name: captured.slug,
    version,
    status: 'ACTIVE',
    created_at: now,
    updated_at: now,
    entrypoint_path: captured.metadata.entrypoint_path,
    import_map_path: captured.metadata.import_map_path,
    verify_jwt: captured.metadata.verify_jwt,
  };
}
