/**
 * What a webhook signature proves: the body came from someone holding one of our secrets, recently.
 * Every way a sender can get it right is accepted, and every way it can be wrong is refused with the
 * reason the webhook reports (and logs) to whoever has to fix it.
 */
import { createHmac } from 'node:crypto';
import {
  signGeneric,
  signHibob,
  SIGNATURE_TOLERANCE_SECONDS,
  verifyGeneric,
  verifyHibob,
} from '../../../shared/leave/sources/signature';

const NOW = 1_900_000_000;
const OLD_SECRET = 'rotated-out-secret';
const NEW_SECRET = 'rotated-in-secret';
const body = Buffer.from('{"eventId":"e-1","type":"approved"}');
const macOf = (secret: string, t: number) =>
  createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');

describe('generic X-Signature: t=<unix seconds>,v1=<HMAC-SHA256 hex>', () => {
  it('a body signed now with our secret is accepted', () => {
    expect(verifyGeneric(signGeneric(NEW_SECRET, body, NOW), body, [NEW_SECRET], NOW)).toEqual({ ok: true });
  });

  it('the signature covers the timestamp and the body: the same MAC over "<t>.<body>" is what we expect', () => {
    expect(signGeneric(NEW_SECRET, body, NOW)).toBe(`t=${NOW},v1=${macOf(NEW_SECRET, NOW)}`);
  });

  it('during a rotation, a sender signing with both the old and the new secret (two v1 values) is accepted', () => {
    const header = `t=${NOW},v1=${macOf(OLD_SECRET, NOW)},v1=${macOf(NEW_SECRET, NOW)}`;
    expect(verifyGeneric(header, body, [NEW_SECRET], NOW)).toEqual({ ok: true });
    expect(verifyGeneric(header, body, [OLD_SECRET], NOW)).toEqual({ ok: true });
  });

  it('during a rotation we accept either of our secrets', () => {
    const header = signGeneric(OLD_SECRET, body, NOW);
    expect(verifyGeneric(header, body, [NEW_SECRET, OLD_SECRET], NOW)).toEqual({ ok: true });
  });

  it('parameters of other schemes beside ours (v0=, a bare flag, digits) are ignored', () => {
    const header = `v0=12345,t=${NOW},scheme,v1=${macOf(NEW_SECRET, NOW)},n=42`;
    expect(verifyGeneric(header, body, [NEW_SECRET], NOW)).toEqual({ ok: true });
  });

  it('spaces after the commas and upper-case hex are accepted', () => {
    const header = `t=${NOW}, v1=${macOf(NEW_SECRET, NOW).toUpperCase()}`;
    expect(verifyGeneric(header, body, [NEW_SECRET], NOW)).toEqual({ ok: true });
  });

  it('a changed body, a changed timestamp or a secret we do not hold is a mismatch', () => {
    const header = signGeneric(NEW_SECRET, body, NOW);
    expect(verifyGeneric(header, Buffer.from('{"eventId":"e-2"}'), [NEW_SECRET], NOW)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    const otherTime = `t=${NOW - 1},v1=${macOf(NEW_SECRET, NOW)}`;
    expect(verifyGeneric(otherTime, body, [NEW_SECRET], NOW)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyGeneric(header, body, [OLD_SECRET], NOW)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it(`a signature exactly ${SIGNATURE_TOLERANCE_SECONDS} s old or ahead is accepted; one second more is stale`, () => {
    for (const signedAt of [NOW - SIGNATURE_TOLERANCE_SECONDS, NOW + SIGNATURE_TOLERANCE_SECONDS]) {
      expect(verifyGeneric(signGeneric(NEW_SECRET, body, signedAt), body, [NEW_SECRET], NOW)).toEqual({
        ok: true,
      });
    }
    for (const signedAt of [NOW - SIGNATURE_TOLERANCE_SECONDS - 1, NOW + SIGNATURE_TOLERANCE_SECONDS + 1]) {
      expect(verifyGeneric(signGeneric(NEW_SECRET, body, signedAt), body, [NEW_SECRET], NOW)).toEqual({
        ok: false,
        reason: 'stale',
      });
    }
  });

  it('a stale signature is reported as stale even when its MAC is right (a replay, not a wrong secret)', () => {
    const replayed = signGeneric(NEW_SECRET, body, NOW - 3600);
    expect(verifyGeneric(replayed, body, [NEW_SECRET], NOW, 60)).toEqual({ ok: false, reason: 'stale' });
  });

  it('with no secret configured, every delivery is refused as "no-secret", never as a mismatch', () => {
    expect(verifyGeneric(signGeneric(NEW_SECRET, body, NOW), body, [], NOW)).toEqual({
      ok: false,
      reason: 'no-secret',
    });
    expect(verifyGeneric(undefined, body, [], NOW)).toEqual({ ok: false, reason: 'no-secret' });
  });

  it.each([undefined, null, ''])('no header (%p) is "missing"', (header) => {
    expect(verifyGeneric(header, body, [NEW_SECRET], NOW)).toEqual({ ok: false, reason: 'missing' });
  });

  it.each([
    ['no timestamp', `v1=${'a'.repeat(64)}`],
    ['no v1', `t=${NOW}`],
    ['an empty timestamp', `t=,v1=${'a'.repeat(64)}`],
    ['a timestamp of 13 digits', `t=1${'0'.repeat(12)},v1=${'a'.repeat(64)}`],
    ['a timestamp with letters', `t=${NOW}x,v1=${'a'.repeat(64)}`],
    ['a v1 of 63 hex digits', `t=${NOW},v1=${'a'.repeat(63)}`],
    ['a v1 of 65 hex digits', `t=${NOW},v1=${'a'.repeat(65)}`],
    ['a v1 that is not hex', `t=${NOW},v1=${'g'.repeat(64)}`],
    ['a v0 instead of v1', `t=${NOW},v0=${'a'.repeat(64)}`],
  ])('a header with %s is "malformed"', (_what, header) => {
    expect(verifyGeneric(header, body, [NEW_SECRET], NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('a header of up to 1024 characters is read; a longer one is refused unread as "malformed"', () => {
    const signed = signGeneric(NEW_SECRET, body, NOW);
    const padTo = (length: number) => `${signed},x=${'p'.repeat(length - signed.length - 3)}`;
    expect(padTo(1024)).toHaveLength(1024);
    expect(verifyGeneric(padTo(1024), body, [NEW_SECRET], NOW)).toEqual({ ok: true });
    expect(verifyGeneric(padTo(1025), body, [NEW_SECRET], NOW)).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('HiBob Bob-Signature: base64 HMAC-SHA512 of the body', () => {
  it('a body signed with our secret is accepted, surrounding spaces included', () => {
    const header = signHibob(NEW_SECRET, body);
    expect(header).toBe(createHmac('sha512', NEW_SECRET).update(body).digest('base64'));
    expect(verifyHibob(header, body, [NEW_SECRET])).toEqual({ ok: true });
    expect(verifyHibob(` ${header} `, body, [NEW_SECRET])).toEqual({ ok: true });
  });

  it('during a rotation we accept either of our secrets', () => {
    expect(verifyHibob(signHibob(OLD_SECRET, body), body, [NEW_SECRET, OLD_SECRET])).toEqual({ ok: true });
  });

  it('a changed body or a secret we do not hold is a mismatch', () => {
    const header = signHibob(NEW_SECRET, body);
    expect(verifyHibob(header, Buffer.from('{}'), [NEW_SECRET])).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyHibob(header, body, [OLD_SECRET])).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('with no secret configured it is "no-secret"; without a header "missing"', () => {
    expect(verifyHibob(signHibob(NEW_SECRET, body), body, [])).toEqual({ ok: false, reason: 'no-secret' });
    expect(verifyHibob(undefined, body, [])).toEqual({ ok: false, reason: 'no-secret' });
    expect(verifyHibob('', body, [NEW_SECRET])).toEqual({ ok: false, reason: 'missing' });
    expect(verifyHibob(null, body, [NEW_SECRET])).toEqual({ ok: false, reason: 'missing' });
  });

  it.each([
    ['hex instead of base64', createHmac('sha512', NEW_SECRET).update(body).digest('hex')],
    ['a SHA-256 MAC', createHmac('sha256', NEW_SECRET).update(body).digest('base64')],
    ['text before the signature', `sig ${signHibob(NEW_SECRET, body)}`],
    ['text after the signature', `${signHibob(NEW_SECRET, body)}x`],
  ])('%s is "malformed"', (_what, header) => {
    expect(verifyHibob(header, body, [NEW_SECRET])).toEqual({ ok: false, reason: 'malformed' });
  });
});
