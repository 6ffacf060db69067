/**
 * The one access-token check the EWS sandbox and the Graph stand-in share: every requirement refuses on
 * its own, and a token meeting them all is accepted with its app and roles.
 */
import { generateKeyPairSync } from 'node:crypto';
import { checkBearerToken, type BearerTokenRequirements } from '../../../dev/identity/bearerToken';
import { signJwt } from '../../../dev/identity/jwt';

const trusted = generateKeyPairSync('rsa', { modulusLength: 2048 });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
const TENANT = '8a1b2c3d-0000-4000-8000-00000000c0de';
const ISSUER = `https://sts.windows.net/${TENANT}/`;
const APP = 'aaaaaaaa-0000-4000-8000-000000000001';

const requirements: BearerTokenRequirements = {
  signingKeys: [trusted.publicKey],
  audiences: ['https://outlook.office365.com'],
  issuer: ISSUER,
  tenantId: TENANT,
  requiredRole: 'full_access_as_app',
};

const validClaims = (): Record<string, unknown> => {
  const now = Math.floor(Date.now() / 1000);
  return {
    aud: 'https://outlook.office365.com',
    iss: ISSUER,
    tid: TENANT,
    appid: APP,
    roles: ['full_access_as_app', 42],
    iat: now,
    nbf: now - 5,
    exp: now + 600,
  };
};

/** The reason a token is refused; undefined when it is accepted. */
const refusal = (token: string): string | undefined => {
  const checked = checkBearerToken(token, requirements);
  return 'refused' in checked ? checked.refused : undefined;
};

describe('checkBearerToken', () => {
  test('accepts a token meeting every requirement and names its app and string roles', () => {
    expect(checkBearerToken(signJwt(validClaims(), trusted.privateKey), requirements)).toEqual({
      appId: APP,
      roles: ['full_access_as_app'],
    });
  });

  test('reads the app from azp (v2.0 tokens) when there is no appid, and ignores a trailing slash on aud', () => {
    const { appid, ...claims } = validClaims();
    const token = signJwt(
      { ...claims, azp: appid, aud: 'https://outlook.office365.com/' },
      trusted.privateKey,
    );
    expect(checkBearerToken(token, requirements)).toEqual({ appId: APP, roles: ['full_access_as_app'] });
  });

  test('accepts a not-before within the minute of clock skew Entra resources allow', () => {
    const claims = { ...validClaims(), nbf: Math.floor(Date.now() / 1000) + 30 };
    expect(checkBearerToken(signJwt(claims, trusted.privateKey), requirements)).toHaveProperty('appId', APP);
  });

  test.each([
    ['not valid for another hour', { nbf: Math.floor(Date.now() / 1000) + 3600 }, /not valid yet/],
    ['expired an hour ago', { exp: Math.floor(Date.now() / 1000) - 3600 }, /expired/],
    ['without an expiry', { exp: undefined }, /expired/],
    ['for another resource', { aud: 'https://graph.microsoft.com' }, /audience/],
    ['from another issuer', { iss: 'https://login.example.com/' }, /issuer/],
    ['for another tenant', { tid: '00000000-0000-0000-0000-000000000000' }, /tenant/],
    ['without the required role', { roles: ['User.Read.All'] }, /full_access_as_app/],
  ])('refuses a token %s', (_, change, reason) => {
    const token = signJwt({ ...validClaims(), ...change }, trusted.privateKey);
    expect(refusal(token)).toMatch(reason);
  });

  test('refuses a token signed by a key it does not trust, and one with no signature', () => {
    expect(refusal(signJwt(validClaims(), stranger.privateKey))).toMatch(/signature/);
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(validClaims())).toString('base64url')}.`;
    expect(refusal(unsigned)).toMatch(/algorithm none/);
  });

  test('checks no issuer, tenant or role the service does not ask for', () => {
    const claims = { ...validClaims(), iss: 'anyone', tid: 'any-tenant', roles: [] };
    const { audiences, signingKeys } = requirements;
    expect(checkBearerToken(signJwt(claims, trusted.privateKey), { audiences, signingKeys })).toEqual({
      appId: APP,
      roles: [],
    });
  });
});
