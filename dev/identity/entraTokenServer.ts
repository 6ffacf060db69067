/**
 * A loopback stand-in for Microsoft Entra ID: enough of the v2.0 endpoints for MSAL / @azure/identity
 * (ClientSecretCredential, ClientCertificateCredential, EnvironmentCredential) over HTTPS, plus the
 * App Service / Functions managed-identity endpoint over plain http, as ManagedIdentityCredential expects.
 *
 * Unlike a fake that hands out unsigned tokens, it signs RS256 access tokens with its own key, so the EWS
 * sandbox can check them the way Exchange Online does: signature, audience, expiry and the
 * `full_access_as_app` application role. What MSAL and ManagedIdentityCredential send is checked where each
 * endpoint is handled below; test/integration/ewsClientOAuth.test.ts drives it with the real @azure/identity.
 */
import { generateKeyPairSync, randomUUID, createPublicKey, type KeyObject } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { listenOnLoopback } from '../loopback/listenOnLoopback';
import { signJwt, verifyJwtSignature } from './jwt';
import {
  certificateThumbprintSha256,
  generateLoopbackCertificate,
  type LoopbackCertificate,
} from './tlsCertificate';

/** Exchange Online's application role for EWS impersonation of every mailbox (scoped by RBAC for Applications). */
export const FULL_ACCESS_AS_APP = 'full_access_as_app';

/** An app registration the token server knows: how it authenticates and which app roles its tokens carry. */
interface RegisteredClient {
  clientId: string;
  displayName?: string;
  /** Accepts `client_secret` equal to this. */
  clientSecret?: string;
  /** Accepts a client assertion (RS256/PS256) signed by this certificate's key. */
  certificatePem?: string;
  /** App roles granted on every resource, e.g. ['full_access_as_app']. Empty: a valid token without roles. */
  roles?: string[];
}

/** A managed identity served by the MSI endpoint. */
export interface ManagedIdentity {
  /** Client id of the identity; the system-assigned one answers requests that name no client_id. */
  clientId: string;
  systemAssigned?: boolean;
  roles?: string[];
}

interface EntraTokenServerOptions {
  /** HTTPS port for the Entra endpoints; 0 (default) picks a free one. */
  port?: number;
  /** HTTP port of the managed-identity endpoint; 0 (default) picks a free one. */
  managedIdentityPort?: number;
  tenantId?: string;
  clients?: RegisteredClient[];
  managedIdentities?: ManagedIdentity[];
  /** Value ManagedIdentityCredential must send in X-IDENTITY-HEADER (env IDENTITY_HEADER). */
  identityHeader?: string;
  tokenLifetimeSeconds?: number;
  /** TLS certificate; generated for 127.0.0.1 when omitted. */
  tls?: LoopbackCertificate;
}

/** One request the token server answered, for tests to assert on (no secrets recorded). */
interface TokenRequestLogEntry {
  endpoint: 'openid-configuration' | 'token' | 'keys' | 'instance-discovery' | 'managed-identity' | 'other';
  method: string;
  path: string;
  clientId?: string;
  scope?: string;
  grant?: 'client_secret' | 'client_assertion' | 'managed_identity';
  status: number;
  error?: string;
}

export interface EntraTokenServer {
  /** `https://127.0.0.1:PORT`: pass as `authorityHost` (with `disableInstanceDiscovery: true`). */
  authorityHost: string;
  tenantId: string;
  /** Issuer written into access tokens (`https://sts.windows.net/{tenant}/`, as Exchange Online tokens have). */
  issuer: string;
  /** `http://127.0.0.1:PORT/msi/token`: set as IDENTITY_ENDPOINT for ManagedIdentityCredential. */
  managedIdentityEndpoint: string;
  identityHeader: string;
  /** PEM the clients must trust for the HTTPS endpoints (tlsOptions.ca or NODE_EXTRA_CA_CERTS). */
  caPem: string;
  /** Public half of the token-signing key, parsed: give it to the EWS sandbox (`oauth.signingKeys`) and the Graph stand-in. */
  signingKey: KeyObject;
  readonly requests: readonly TokenRequestLogEntry[];
  /** Registers (or replaces) an app at runtime. */
  registerClient(client: RegisteredClient): void;
  /** Mints an access token directly (for tests of expired / wrong-audience / unsigned-looking tokens). */
  issueToken(claims: Record<string, unknown>): string;
  close(): Promise<void>;
}

export const DEFAULT_TENANT_ID = '8a1b2c3d-0000-4000-8000-00000000c0de';

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

/** Starts the Entra stand-in (HTTPS) and the managed-identity endpoint (HTTP), both on 127.0.0.1. */
export async function startEntraTokenServer(
  options: EntraTokenServerOptions = {},
): Promise<EntraTokenServer> {
  const tenantId = options.tenantId ?? DEFAULT_TENANT_ID;
  const tls = options.tls ?? (await generateLoopbackCertificate());
  const identityHeader = options.identityHeader ?? `identity-header-${randomUUID()}`;
  const lifetime = options.tokenLifetimeSeconds ?? 3600;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = `sandbox-${randomUUID().slice(0, 8)}`;
  const issuer = `https://sts.windows.net/${tenantId}/`;
  const clients = new Map<string, RegisteredClient>();
  for (const c of options.clients ?? []) clients.set(c.clientId, c);
  const identities = options.managedIdentities ?? [
    { clientId: '00000000-0000-4000-8000-0000000005a1', systemAssigned: true, roles: [FULL_ACCESS_AS_APP] },
  ];
  const requests: TokenRequestLogEntry[] = [];

  const issueToken = (claims: Record<string, unknown>): string =>
    signJwt(claims, privateKey, { kid, x5t: kid });

  const accessToken = (resource: string, appId: string, roles: string[]): string => {
    const now = Math.floor(Date.now() / 1000);
    return issueToken({
      aud: resource,
      iss: issuer,
      iat: now,
      nbf: now - 5,
      exp: now + lifetime,
      appid: appId,
      appidacr: '1',
      idtyp: 'app',
      oid: appId,
      sub: appId,
      tid: tenantId,
      roles,
      ver: '1.0',
    });
  };

  const entra = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    void (async () => {
      const body = await readBody(req);
      const base = `https://${req.headers.host ?? '127.0.0.1'}`;
      const url = new URL(req.url ?? '/', base);
      const log = (entry: Omit<TokenRequestLogEntry, 'method' | 'path'>): void => {
        requests.push({ method: req.method ?? 'GET', path: url.pathname, ...entry });
      };
      let m: RegExpExecArray | null;
      if ((m = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname))) {
        const t = m[1] ?? tenantId;
        log({ endpoint: 'openid-configuration', status: 200 });
        sendJson(res, 200, {
          token_endpoint: `${base}/${t}/oauth2/v2.0/token`,
          authorization_endpoint: `${base}/${t}/oauth2/v2.0/authorize`,
          issuer: `${base}/${t}/v2.0`,
          jwks_uri: `${base}/${t}/discovery/v2.0/keys`,
          end_session_endpoint: `${base}/${t}/oauth2/v2.0/logout`,
          token_endpoint_auth_methods_supported: [
            'client_secret_post',
            'private_key_jwt',
            'client_secret_basic',
          ],
          response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
          scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
          subject_types_supported: ['pairwise'],
          id_token_signing_alg_values_supported: ['RS256'],
          tenant_region_scope: null,
          cloud_instance_name: 'microsoftonline.com',
        });
        return;
      }
      if (/^\/([^/]+)\/discovery(\/v2\.0)?\/keys$/.test(url.pathname)) {
        log({ endpoint: 'keys', status: 200 });
        const jwk = publicKey.export({ format: 'jwk' });
        sendJson(res, 200, { keys: [{ ...jwk, kty: 'RSA', use: 'sig', kid, x5t: kid, alg: 'RS256' }] });
        return;
      }
      if ((m = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname)) && req.method === 'POST') {
        const form = new URLSearchParams(body);
        const clientId = form.get('client_id') ?? '';
        const scope = form.get('scope') ?? '';
        const tokenEndpoint = `${base}/${m[1] ?? tenantId}/oauth2/v2.0/token`;
        const client = clients.get(clientId);
        const refuse = (status: number, error: string, description: string, code: number): void => {
          log({ endpoint: 'token', clientId, scope, status, error: description });
          sendJson(res, status, {
            error,
            error_description: `${description}\r\nTrace ID: ${randomUUID()}\r\nTimestamp: ${new Date().toISOString()}`,
            error_codes: [code],
            timestamp: new Date().toISOString(),
          });
        };
        if (form.get('grant_type') !== 'client_credentials') {
          refuse(
            400,
            'unsupported_grant_type',
            'AADSTS70003: The app requested an unsupported grant type.',
            70003,
          );
          return;
        }
        if (!client) {
          refuse(
            400,
            'unauthorized_client',
            `AADSTS700016: Application with identifier '${clientId}' was not found in the directory.`,
            700016,
          );
          return;
        }
        const secret = form.get('client_secret');
        const assertion = form.get('client_assertion');
        let grant: TokenRequestLogEntry['grant'];
        if (secret !== null) {
          if (client.clientSecret === undefined || secret !== client.clientSecret) {
            refuse(401, 'invalid_client', 'AADSTS7000215: Invalid client secret provided.', 7000215);
            return;
          }
          grant = 'client_secret';
        } else if (assertion !== null) {
          const problem = checkClientAssertion(assertion, client, tokenEndpoint);
          if (problem) {
            refuse(
              401,
              'invalid_client',
              `AADSTS700027: Client assertion failed signature validation. ${problem}`,
              700027,
            );
            return;
          }
          grant = 'client_assertion';
        } else {
          refuse(
            401,
            'invalid_client',
            "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            7000218,
          );
          return;
        }
        if (!scope.endsWith('/.default')) {
          refuse(
            400,
            'invalid_scope',
            `AADSTS1002012: The provided value for scope ${scope} is not valid.`,
            1002012,
          );
          return;
        }
        const resource = scope.slice(0, -'/.default'.length);
        log({ endpoint: 'token', clientId, scope, grant, status: 200 });
        sendJson(res, 200, {
          token_type: 'Bearer',
          expires_in: lifetime,
          ext_expires_in: lifetime,
          access_token: accessToken(resource, clientId, client.roles ?? []),
        });
        return;
      }
      if (url.pathname === '/common/discovery/instance') {
        log({ endpoint: 'instance-discovery', status: 200 });
        const host = req.headers.host ?? '127.0.0.1';
        sendJson(res, 200, {
          tenant_discovery_endpoint: `${base}/common/v2.0/.well-known/openid-configuration`,
          'api-version': '1.1',
          metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
        });
        return;
      }
      log({ endpoint: 'other', status: 404 });
      sendJson(res, 404, { error: 'not_found' });
    })().catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: 'server_error', error_description: String(err) });
    });
  });

  // App Service / Functions managed identity protocol (api-version 2019-08-01).
  const msi = http.createServer((req, res) => {
    void readBody(req).then(() => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const clientId = url.searchParams.get('client_id') ?? undefined;
      const resource = url.searchParams.get('resource') ?? '';
      const entry = (status: number, error?: string): TokenRequestLogEntry => ({
        endpoint: 'managed-identity',
        method: req.method ?? 'GET',
        path: url.pathname,
        clientId,
        scope: resource,
        grant: 'managed_identity',
        status,
        error,
      });
      if (url.pathname !== '/msi/token' || req.headers['x-identity-header'] !== identityHeader) {
        requests.push(entry(400, 'missing or wrong X-IDENTITY-HEADER'));
        sendJson(res, 400, { statusCode: 400, message: 'Unable to load the proper Managed Identity.' });
        return;
      }
      const identity = clientId
        ? identities.find((i) => i.clientId === clientId)
        : identities.find((i) => i.systemAssigned === true);
      if (!identity) {
        requests.push(entry(400, 'unknown identity'));
        sendJson(res, 400, { statusCode: 400, message: 'Unable to load the proper Managed Identity.' });
        return;
      }
      requests.push(entry(200));
      sendJson(res, 200, {
        access_token: accessToken(resource, identity.clientId, identity.roles ?? []),
        expires_on: String(Math.floor(Date.now() / 1000) + lifetime),
        resource,
        token_type: 'Bearer',
        client_id: identity.clientId,
      });
    });
  });

  const entraListener = await listenOnLoopback(entra, options.port);
  const msiListener = await listenOnLoopback(msi, options.managedIdentityPort);
  return {
    authorityHost: entraListener.origin,
    tenantId,
    issuer,
    managedIdentityEndpoint: `${msiListener.origin}/msi/token`,
    identityHeader,
    caPem: tls.caPem,
    signingKey: publicKey,
    requests,
    registerClient: (client) => void clients.set(client.clientId, client),
    issueToken,
    close: async () => {
      await Promise.all([entraListener.close(), msiListener.close()]);
    },
  };
}

/** Why a client assertion is not acceptable, or undefined when it is (signature, aud, iss/sub, expiry, thumbprint). */
function checkClientAssertion(
  assertion: string,
  client: RegisteredClient,
  tokenEndpoint: string,
): string | undefined {
  if (!client.certificatePem) return 'No certificate is registered for this application.';
  const verified = verifyJwtSignature(
    assertion,
    [createPublicKey(client.certificatePem)],
    ['RS256', 'PS256'],
  );
  if (typeof verified === 'string') return verified;
  const { header, claims } = verified;
  const thumbprint = header['x5t#S256'];
  if (typeof thumbprint === 'string' && thumbprint !== certificateThumbprintSha256(client.certificatePem)) {
    return 'The x5t#S256 thumbprint does not match the registered certificate.';
  }
  if (claims.aud !== tokenEndpoint) return `aud must be ${tokenEndpoint}.`;
  if (claims.iss !== client.clientId || claims.sub !== client.clientId)
    return 'iss and sub must be the client id.';
  if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) return 'The assertion has expired.';
  return undefined;
}
