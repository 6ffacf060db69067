/**
 * Credentials as Exchange checks them: Basic for on-premises service accounts, Bearer (app-only Entra
 * token) as Exchange Online does: RS256 signature by a trusted key, audience, lifetime, tenant, the
 * `full_access_as_app` role (checked by ../identity/bearerToken.ts), and the app being allowed to use EWS
 * (EwsAllowedAppIDs).
 */
import type { KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { checkBearerToken } from '../identity/bearerToken';
import type { Principal, TenantStore } from './tenantStore';

/** How the sandbox trusts bearer tokens. */
export interface SandboxOAuthOptions {
  /** Public keys whose RS256 signatures are trusted, e.g. the token server's `signingKey`. */
  signingKeys: readonly KeyObject[];
  /** Accepted `aud` values; default Exchange Online's resource URIs and app id. */
  audiences?: readonly string[];
  /** When set, the token's `iss` must equal it. */
  issuer?: string;
}

export const DEFAULT_AUDIENCES = [
  'https://outlook.office365.com',
  'https://outlook.office.com',
  '00000002-0000-0ff1-ce00-000000000000',
];

export const REQUIRED_ROLE = 'full_access_as_app';

/** A refused request: 401 (bad or missing credentials) or 403 (app not allowed to use EWS). */
interface AuthFailure {
  status: 401 | 403;
  reason: string;
}

export function authenticate(
  headers: IncomingHttpHeaders,
  store: TenantStore,
  oauth: SandboxOAuthOptions | undefined,
): Principal | AuthFailure {
  const header = headers.authorization;
  if (!header) return { status: 401, reason: 'no Authorization header' };
  const space = header.indexOf(' ');
  const scheme = header.slice(0, space < 0 ? header.length : space).toLowerCase();
  const value = space < 0 ? '' : header.slice(space + 1).trim();

  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon < 0 ? decoded : decoded.slice(0, colon);
    const password = colon < 0 ? '' : decoded.slice(colon + 1);
    const account = store.serviceAccount(user);
    if (!account || account.password !== password)
      return { status: 401, reason: 'unknown user name or bad password' };
    return { kind: 'basic', name: account.username, account };
  }

  if (scheme === 'bearer') {
    if (!oauth || oauth.signingKeys.length === 0) {
      return {
        status: 401,
        reason: 'this sandbox has no OAuth signing keys configured; use Basic or start it with oauth',
      };
    }
    const token = checkBearerToken(value, {
      signingKeys: oauth.signingKeys,
      audiences: oauth.audiences ?? DEFAULT_AUDIENCES,
      issuer: oauth.issuer,
      tenantId: store.tenantId,
      requiredRole: REQUIRED_ROLE,
    });
    if ('refused' in token) return { status: 401, reason: token.refused };
    const { appId, roles } = token;
    const app = store.app(appId);
    if (!app || app.allowed === false) {
      return {
        status: 403,
        reason: `EWS is not allowed for application ${appId} in this organisation (EwsAllowedAppIDs)`,
      };
    }
    return { kind: 'bearer', name: appId, app, roles };
  }

  return { status: 401, reason: `unsupported authorization scheme "${scheme}"` };
}

export function isAuthFailure(value: Principal | AuthFailure): value is AuthFailure {
  return 'status' in value;
}
