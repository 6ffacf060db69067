/**
 * How HiBob signs a webhook delivery, written from HiBob's "Working with webhooks" page (Step 3,
 * "Authenticate your events": https://apidocs.hibob.com/docs/working-with-webhooks), not from the app's
 * verifier: HMAC-SHA512 keyed with the secret's UTF-8 bytes over the request payload's bytes, Base64
 * encoded, sent as the `Bob-Signature` header. The stand-in signs with this so that a verifier bug cannot
 * hide behind a signer with the same bug (test/unit/hr/signatureVectors.test.ts holds both to vectors that
 * openssl computed).
 */
import { createHmac } from 'node:crypto';

/** The header HiBob puts the signature in (HTTP header names are case-insensitive; Node lower-cases them). */
export const BOB_SIGNATURE_HEADER = 'bob-signature';

/** `Bob-Signature` for `payload` as HiBob computes it. */
export function bobSignature(secret: string, payload: Buffer | string): string {
  const key = Buffer.from(secret, 'utf8');
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return createHmac('sha512', key).update(bytes).digest('base64');
}
