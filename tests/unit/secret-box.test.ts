import { describe, expect, it } from 'vitest';
import { createSecretBox, secretBoxFromEnv } from '../../shared/webhooks/secret-box.ts';
import { bytesToBase64 } from '../../shared/lib/bytes.ts';
import { generateWebhookSecret } from '../../shared/webhooks/signing.ts';

const key = (n: number) => new Uint8Array(32).fill(n);
const b64 = (n: number) => bytesToBase64(key(n));

describe('webhook secret box', () => {
  it('seals to enc:v1:<key id>:…, never containing the plaintext, and opens back; each seal differs', async () => {
    const box = await createSecretBox(key(1));
    const secret = generateWebhookSecret();
    const a = await box.seal(secret, 'ws-1');
    const b = await box.seal(secret, 'ws-1');
    expect(a).toMatch(new RegExp(`^enc:v1:${box.keyId}:[A-Za-z0-9+/]+={0,2}$`));
    expect(a).not.toBe(b);
    expect(a).not.toContain(secret.slice(6));
    expect(await box.open(a, 'ws-1')).toBe(secret);
  });

  it('refuses another context, an altered ciphertext and an unknown key', async () => {
    const box = await createSecretBox(key(1));
    const sealed = await box.seal('whsec_x', 'ws-1');
    await expect(box.open(sealed, 'ws-2')).rejects.toThrow(/does not open/);
    const flipped = sealed.slice(0, -3) + (sealed.at(-3) === 'A' ? 'B' : 'A') + sealed.slice(-2);
    await expect(box.open(flipped, 'ws-1')).rejects.toThrow(/does not open/);
    await expect((await createSecretBox(key(2))).open(sealed, 'ws-1')).rejects.toThrow(/not configured/);
    await expect(box.open('whsec_plain', 'ws-1')).rejects.toThrow(/not a sealed secret/);
  });

  it('rotates: the new key seals, previous keys still open', async () => {
    const old = await createSecretBox(key(1));
    const sealedOld = await old.seal('whsec_old', 'ws');
    const rotated = await secretBoxFromEnv({
      WEBHOOK_SECRET_KEY: b64(2),
      WEBHOOK_SECRET_KEYS_PREVIOUS: ` ${b64(1)} , ${b64(3)}`,
    });
    expect(rotated!.keyId).not.toBe(old.keyId);
    expect(await rotated!.open(sealedOld, 'ws')).toBe('whsec_old');
    expect((await rotated!.seal('whsec_new', 'ws')).startsWith(`enc:v1:${rotated!.keyId}:`)).toBe(true);
  });

  it('reads the key from the environment: none is null, a wrong length names the setting', async () => {
    expect(await secretBoxFromEnv({})).toBeNull();
    await expect(secretBoxFromEnv({ WEBHOOK_SECRET_KEY: bytesToBase64(new Uint8Array(16)) })).rejects.toThrow(
      /WEBHOOK_SECRET_KEY must be 32 bytes/,
    );
    await expect(secretBoxFromEnv({ WEBHOOK_SECRET_KEY: b64(1), WEBHOOK_SECRET_KEYS_PREVIOUS: 'nope!' })).rejects
      .toThrow(/PREVIOUS\[0\]/);
  });
});
