/**
 * @module The one Node HTTP server of the gateway (`npm start`, test servers, benchmarks): @hono/node-server's
 * listener, plus envelope answers with X-Request-ID for what Node's HTTP parser or the adapter refuse before the app runs.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { ClientAddress } from '../../shared/http/client-address.ts';
import { errorBody } from '../../shared/http/errors.ts';
import { type Logger, silentLogger } from '../../shared/lib/logger.ts';
import { requestIdFrom } from '../../shared/lib/request-id.ts';

export interface NodeServeOptions {
  fetch: (request: Request) => Response | Promise<Response>;
  port?: number;
  hostname?: string;
  logger?: Logger;
}

/** On Node the peer of the TCP connection (@hono/node-server passes the IncomingMessage as the context's env). */
export const socketAddress: ClientAddress = (c) =>
  (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket?.remoteAddress ?? null;

/** Node's default, stated here because the 431 message names it. */
const MAX_HEADER_BYTES = 16 * 1024;

interface Refusal {
  status: number;
  message: string;
  reason: string;
}

/** What Node's parser error means for the client, by its code. */
function refusalFor(code: string | undefined): Refusal {
  if (code === 'HPE_HEADER_OVERFLOW') {
    return {
      status: 431,
      message: `The request headers exceed ${MAX_HEADER_BYTES / 1024} KB.`,
      reason: 'header_overflow',
    };
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return { status: 408, message: 'The request was not received in time.', reason: 'timeout' };
  }
  return {
    status: 400,
    message: 'The request is not valid HTTP/1.1 (request line, header names or values).',
    reason: code ?? 'malformed',
  };
}

function envelopeText(refusal: Refusal, requestId: string): string {
  // validation_error: the request cannot be read; the HTTP status says which way it is malformed.
  return JSON.stringify(
    errorBody('validation_error', refusal.message, requestId, [{ path: '', message: refusal.reason }]),
  );
}

function envelopeResponse(refusal: Refusal, requestId: string): Response {
  return new Response(envelopeText(refusal, requestId), {
    status: refusal.status,
    headers: { 'Content-Type': 'application/json; charset=UTF-8', 'X-Request-ID': requestId, Connection: 'close' },
  });
}

/** Writes a whole HTTP/1.1 response on a socket the parser gave up on, then closes it. */
function answerOnSocket(socket: Socket, refusal: Refusal, requestId: string): void {
  const body = envelopeText(refusal, requestId);
  socket.end(
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\n` +
      'Content-Type: application/json; charset=UTF-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Request-ID: ${requestId}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

function logRefusal(logger: Logger, refusal: Refusal, requestId: string): void {
  logger.log('info', 'request refused before routing', {
    request_id: requestId,
    status: refusal.status,
    reason: refusal.reason,
  });
}

export function createNodeServer({ fetch, hostname, logger = silentLogger }: NodeServeOptions): Server {
  const listener = getRequestListener(fetch, {
    hostname,
    // The adapter could not build a Request (a backslash in the path, an invalid Host): answer like the app would.
    errorHandler: (err) => {
      const requestId = requestIdFrom(null);
      const refusal = {
        status: 400,
        message: `The request target or Host header is invalid: ${(err as Error).message}.`,
        reason: 'invalid_target',
      };
      logRefusal(logger, refusal, requestId);
      return envelopeResponse(refusal, requestId);
    },
  });
  // Node would answer a missing Host itself, without a body; checked below instead (RFC 9112 §3.2).
  const server = createServer(
    { requireHostHeader: false, maxHeaderSize: MAX_HEADER_BYTES },
    (req: IncomingMessage, res: ServerResponse) => {
      if (req.httpVersion === '1.1' && req.headers.host === undefined) {
        const requestId = requestIdFrom(null);
        const refusal = { status: 400, message: 'An HTTP/1.1 request needs a Host header.', reason: 'missing_host' };
        logRefusal(logger, refusal, requestId);
        res.writeHead(refusal.status, {
          'Content-Type': 'application/json; charset=UTF-8',
          'X-Request-ID': requestId,
          Connection: 'close',
        });
        res.end(envelopeText(refusal, requestId));
        return;
      }
      void listener(req, res);
    },
  );
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    // A reset connection, or one already answered, has no one to tell.
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const requestId = requestIdFrom(null);
    const refusal = refusalFor(err.code);
    logRefusal(logger, refusal, requestId);
    answerOnSocket(socket, refusal, requestId);
  });
  return server;
}

/** Creates the server and listens (port 0: any free port); `onListening` gets the bound address. */
export function serveNode(options: NodeServeOptions, onListening?: (address: AddressInfo) => void): Server {
  const server = createNodeServer(options);
  server.listen(options.port ?? 0, options.hostname, () => onListening?.(server.address() as AddressInfo));
  return server;
}
