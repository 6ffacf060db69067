/**
 * Known-answer vectors for both webhook signature schemes. The expected values were computed once by
 * OpenSSL (test/fixtures/webhook-signatures/vectors.json says the exact commands), not by Node's crypto
 * through our own code, so a mistake made the same way by our signer and our verifier (the wrong hash,
 * hex for base64, UTF-16 for UTF-8, a missing "." between time and body) fails here instead of passing a
 * round trip. The HiBob stand-in's signer (dev/hibob/bobSignature.ts, written from HiBob's page) is held to
 * the same vectors, so the stand-in can testify against the app.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { bobSignature, BOB_SIGNATURE_HEADER } from '../../../dev/hibob/bobSignature';
import { hibobDelivery } from '../../../dev/hibob/hibobApiServer';
import { signGeneric, signHibob, verifyGeneric, verifyHibob } from '../../../shared/leave/sources/signature';

interface GenericVector {
  name: string;
  secret: string;
  t: number;
  body: string;
  header: string;
}
interface HibobVector {
  name: string;
  secret: string;
  body: string;
  bobSignature: string;
}

const vectors = JSON.parse(
  readFileSync(path.join(__dirname, '../../fixtures/webhook-signatures/vectors.json'), 'utf8'),
) as { generic: GenericVector[]; hibob: HibobVector[] };

/** The same signature with its first character changed: still well-formed, no longer right. */
function tamper(signature: string, alphabet: string): string {
  const first = signature.charAt(0);
  const other = alphabet.charAt((alphabet.indexOf(first) + 1) % alphabet.length);
  return other + signature.slice(1);
}

describe('generic X-Signature vectors (t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">)', () => {
  it('the fixture holds the cases that tell encodings apart', () => {
    expect(vectors.generic.length).toBeGreaterThanOrEqual(5);
    expect(vectors.generic.some((v) => Buffer.byteLength(v.body) !== v.body.length)).toBe(true);
    expect(vectors.generic.some((v) => Buffer.byteLength(v.secret) > 64)).toBe(true);
  });

  it.each(vectors.generic.map((v) => [v.name, v] as const))('%s: we sign as OpenSSL does', (_, v) => {
    expect(signGeneric(v.secret, v.body, v.t)).toBe(v.header);
    expect(signGeneric(v.secret, Buffer.from(v.body, 'utf8'), v.t)).toBe(v.header);
  });

  it.each(vectors.generic.map((v) => [v.name, v] as const))(
    '%s: we accept OpenSSL’s signature and refuse it altered',
    (_, v) => {
      const body = Buffer.from(v.body, 'utf8');
      expect(verifyGeneric(v.header, body, [v.secret], v.t)).toEqual({ ok: true });
      const [time, mac] = v.header.split(',v1=') as [string, string];
      const altered = `${time},v1=${tamper(mac, '0123456789abcdef')}`;
      expect(verifyGeneric(altered, body, [v.secret], v.t)).toEqual({ ok: false, reason: 'mismatch' });
    },
  );
});

describe('HiBob Bob-Signature vectors (base64 HMAC-SHA512 of the raw body)', () => {
  const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

  it('the fixture holds the cases that tell encodings apart', () => {
    expect(vectors.hibob.length).toBeGreaterThanOrEqual(5);
    expect(vectors.hibob.some((v) => Buffer.byteLength(v.body) !== v.body.length)).toBe(true);
    expect(vectors.hibob.some((v) => Buffer.byteLength(v.secret) > 128)).toBe(true);
  });

  it.each(vectors.hibob.map((v) => [v.name, v] as const))(
    '%s: the app accepts OpenSSL’s signature and refuses it altered',
    (_, v) => {
      const body = Buffer.from(v.body, 'utf8');
      expect(verifyHibob(v.bobSignature, body, [v.secret])).toEqual({ ok: true });
      const altered = tamper(v.bobSignature, BASE64);
      expect(verifyHibob(altered, body, [v.secret])).toEqual({ ok: false, reason: 'mismatch' });
    },
  );

  it.each(vectors.hibob.map((v) => [v.name, v] as const))(
    '%s: the app’s signer and the HiBob stand-in’s both sign as OpenSSL does',
    (_, v) => {
      expect(signHibob(v.secret, v.body)).toBe(v.bobSignature);
      expect(bobSignature(v.secret, v.body)).toBe(v.bobSignature);
      expect(bobSignature(v.secret, Buffer.from(v.body, 'utf8'))).toBe(v.bobSignature);
    },
  );

  it('a delivery from the HiBob stand-in carries its Bob-Signature, which the app accepts', () => {
    const [v] = vectors.hibob;
    if (!v) throw new Error('vectors.json has no HiBob vector');
    const delivery = hibobDelivery(
      v.secret,
      'timeoff.request.approved',
      { requestId: 7, employeeId: 'e-7' },
      'http://127.0.0.1:1',
    );
    const header = delivery.headers[BOB_SIGNATURE_HEADER];
    expect(header).toBe(bobSignature(v.secret, delivery.body));
    expect(verifyHibob(header, Buffer.from(delivery.body, 'utf8'), [v.secret])).toEqual({ ok: true });
  });
});
