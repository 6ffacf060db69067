/**
 * Webhook signatures.
 * - generic: `X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, five minutes of
 *   tolerance; several secrets may be active at once (rotation), any of them may have signed.
 * - HiBob: `Bob-Signature` = base64 HMAC-SHA512 of the raw body.
 * Comparisons are constant-time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_TOLERANCE_SECONDS = 300;

export type SignatureCheck =
  { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' | 'no-secret' };

function safeEqual(a: Buffer, b: Buffer): boolean {
  // Stryker disable next-line ConditionalExpression: equivalent while both callers' formats fix the length (32 / 64 bytes); kept because timingSafeEqual throws on a length difference
  return a.length === b.length && timingSafeEqual(a, b);
}

export function signGeneric(secret: string, rawBody: Buffer | string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.`).update(rawBody).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

export function verifyGeneric(
  header: string | undefined | null,
  rawBody: Buffer,
  secrets: readonly string[],
  nowSeconds: number,
  toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS,
): SignatureCheck {
  if (!secrets.length) return { ok: false, reason: 'no-secret' };
  if (!header) return { ok: false, reason: 'missing' };
  if (header.length > 1024) return { ok: false, reason: 'malformed' };
  let t: number | undefined;
  const candidates: Buffer[] = [];
  for (const part of header.split(',')) {
    const [k, v] = part.trim().split('=', 2);
    if (v === undefined) continue; // no "=": nothing we read
    if (k === 't' && /^\d{1,12}$/.test(v)) t = Number(v);
    else if (k === 'v1' && /^[0-9a-f]{64}$/i.test(v)) candidates.push(Buffer.from(v, 'hex'));
  }
  if (t === undefined || !candidates.length) return { ok: false, reason: 'malformed' };
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return { ok: false, reason: 'stale' };
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest();
    if (candidates.some((c) => safeEqual(c, expected))) return { ok: true };
  }
  return { ok: false, reason: 'mismatch' };
}

export function signHibob(secret: string, rawBody: Buffer | string): string {
  return createHmac('sha512', secret).update(rawBody).digest('base64');
}

export function verifyHibob(
  header: string | undefined | null,
  rawBody: Buffer,
  secrets: readonly string[],
): SignatureCheck {
  if (!secrets.length) return { ok: false, reason: 'no-secret' };
  if (!header) return { ok: false, reason: 'missing' };
  const signature = header.trim();
  if (!/^[A-Za-z0-9+/]{86}==$/.test(signature)) return { ok: false, reason: 'malformed' };
  const given = Buffer.from(signature, 'base64');
  for (const secret of secrets) {
    if (safeEqual(given, createHmac('sha512', secret).update(rawBody).digest())) return { ok: true };
  }
  return { ok: false, reason: 'mismatch' };
}
