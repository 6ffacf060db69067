/**
 * Minimal JWT signing and verification with node:crypto (RS256 and PS256 only). The token server signs
 * access tokens with it and the loopback services verify them (bearerToken.ts), the way Exchange Online
 * and Graph verify Entra tokens.
 * jose is ESM-only and does not load under jest's CommonJS transform, hence this small module.
 */
import { createPrivateKey, constants, sign, verify, type KeyLike, type KeyObject } from 'node:crypto';

/** JWT claims as decoded: a plain JSON object. */
type JwtClaims = Record<string, unknown>;

interface JwtHeader {
  alg: string;
  typ?: string;
  kid?: string;
  x5t?: string;
  'x5t#S256'?: string;
  [key: string]: unknown;
}

/** A decoded token that passed signature verification. */
interface VerifiedJwt {
  header: JwtHeader;
  claims: JwtClaims;
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs `claims` with an RSA private key; RS256 unless the header says PS256. */
export function signJwt(claims: JwtClaims, privateKey: KeyLike, header: Partial<JwtHeader> = {}): string {
  const fullHeader: JwtHeader = { alg: 'RS256', typ: 'JWT', ...header };
  const input = `${b64url(fullHeader)}.${b64url(claims)}`;
  if (fullHeader.alg !== 'RS256' && fullHeader.alg !== 'PS256')
    throw new Error(`unsupported alg ${fullHeader.alg}`);
  const signature =
    fullHeader.alg === 'PS256'
      ? sign('sha256', Buffer.from(input), {
          key:
            typeof privateKey === 'object' && 'type' in privateKey
              ? privateKey
              : createPrivateKey(privateKey),
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: 32,
        })
      : sign('sha256', Buffer.from(input), privateKey);
  return `${input}.${signature.toString('base64url')}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Decodes without verifying; undefined when the token is not a JWT. */
function decodeJwt(token: string): { header: JwtHeader; claims: JwtClaims } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header: unknown = JSON.parse(Buffer.from(parts[0] ?? '', 'base64url').toString('utf8'));
    const claims: unknown = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'));
    if (!isRecord(header) || !isRecord(claims) || typeof header.alg !== 'string') return undefined;
    return { header: header as JwtHeader, claims };
  } catch {
    return undefined;
  }
}

/**
 * Verifies the signature against any of `keys` (RS256 or PS256; `alg: none` and HMAC are refused so a
 * forged unsigned token never passes). Returns the reason as a string when the token is not acceptable.
 * Keys are KeyObjects so that a PEM is parsed once where the key is made, not on every request.
 */
export function verifyJwtSignature(
  token: string,
  keys: readonly KeyObject[],
  allowedAlgs: readonly string[] = ['RS256'],
): VerifiedJwt | string {
  const decoded = decodeJwt(token);
  if (!decoded) return 'the token is not a well-formed JWT';
  const { header } = decoded;
  if (!allowedAlgs.includes(header.alg)) return `signing algorithm ${header.alg} is not accepted`;
  const [h, p, s] = token.split('.') as [string, string, string];
  const signature = Buffer.from(s, 'base64url');
  for (const publicKey of keys) {
    const key =
      header.alg === 'PS256'
        ? {
            key: publicKey,
            padding: constants.RSA_PKCS1_PSS_PADDING,
            saltLength: constants.RSA_PSS_SALTLEN_AUTO,
          }
        : publicKey;
    if (verify('sha256', Buffer.from(`${h}.${p}`), key, signature)) return decoded;
  }
  return 'the token signature does not match any trusted signing key';
}
