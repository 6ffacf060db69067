/**
 * The access-token check the loopback services make, as Microsoft's resource servers do on an app-only
 * Entra token: RS256 signature by a trusted key (the token server's), audience, expiry and not-before,
 * issuer, tenant and, where the service demands one, an application role. The EWS sandbox and the Graph
 * stand-in each pass their own requirements and turn a refusal into their own 401 answer.
 */
import type { KeyObject } from 'node:crypto';
import { verifyJwtSignature } from './jwt';

export interface BearerTokenRequirements {
  /** Public keys whose RS256 signatures are trusted: the token server's `signingKey`, parsed once. */
  signingKeys: readonly KeyObject[];
  /** Accepted `aud` values (a trailing slash on the token's value is ignored, as Entra's resources do). */
  audiences: readonly string[];
  /** When set, `iss` must equal it. */
  issuer?: string;
  /** When set, `tid` must equal it. */
  tenantId?: string;
  /**
   * When set, `roles` must include it. Graph leaves it unset: it checks a permission per call and answers
   * a missing one with 403, not 401.
   */
  requiredRole?: string;
}

/** A token that passed every check: the calling app and the application roles it was granted. */
interface AcceptedToken {
  appId: string;
  roles: string[];
}

/** Why a token was refused, for the service's diagnostics. */
interface RefusedToken {
  refused: string;
}

/** Entra's resource servers tolerate this much clock difference on `exp` and `nbf`. */
const CLOCK_SKEW_S = 60;

export function checkBearerToken(
  token: string,
  requirements: BearerTokenRequirements,
): AcceptedToken | RefusedToken {
  const verified = verifyJwtSignature(token, requirements.signingKeys, ['RS256']);
  if (typeof verified === 'string') return { refused: verified };
  const c = verified.claims;
  const now = Date.now() / 1000;
  if (typeof c.aud !== 'string' || !requirements.audiences.includes(c.aud.replace(/\/$/, ''))) {
    return { refused: `the audience claim value "${String(c.aud)}" is invalid for this resource` };
  }
  if (typeof c.exp !== 'number' || c.exp + CLOCK_SKEW_S < now) return { refused: 'the token has expired' };
  if (typeof c.nbf === 'number' && c.nbf - CLOCK_SKEW_S > now)
    return { refused: 'the token is not valid yet' };
  if (requirements.issuer !== undefined && c.iss !== requirements.issuer) {
    return { refused: 'the token issuer is not trusted' };
  }
  if (requirements.tenantId !== undefined && c.tid !== requirements.tenantId) {
    return { refused: `the token is for tenant ${String(c.tid)}, not this organisation` };
  }
  const roles = Array.isArray(c.roles) ? c.roles.filter((r): r is string => typeof r === 'string') : [];
  if (requirements.requiredRole !== undefined && !roles.includes(requirements.requiredRole)) {
    return {
      refused: `the token does not carry the ${requirements.requiredRole} application role this resource requires`,
    };
  }
  // v1.0 tokens name the app in `appid`, v2.0 tokens in `azp`.
  const appId = typeof c.appid === 'string' ? c.appid : typeof c.azp === 'string' ? c.azp : '';
  return { appId, roles };
}
