/**
 * A loopback HTTPS stand-in of Azure Key Vault's secret API, enough for the real SecretClient: the
 * bearer challenge on the first call, `GET /secrets/{name}/[{version}]`, 404 SecretNotFound, and a token
 * check (any bearer whose JWT audience is https://vault.azure.net, unless `acceptToken` says otherwise).
 * Dev and tests only; listens on 127.0.0.1.
 */
import https from 'node:https';
import { randomBytes } from 'node:crypto';
import { DEFAULT_TENANT_ID } from '../identity/entraTokenServer';
import { generateLoopbackCertificate, type LoopbackCertificate } from '../identity/tlsCertificate';
import { listenOnLoopback } from '../loopback/listenOnLoopback';

interface KeyVaultServerOptions {
  secrets?: Record<string, string>;
  tenantId?: string;
  tls?: LoopbackCertificate;
  /** Decides whether a bearer token is accepted (default: a JWT whose `aud` is the vault resource). */
  acceptToken?: (token: string) => boolean;
}

export interface KeyVaultServer {
  /** `https://127.0.0.1:PORT` — the KEY_VAULT_URI. */
  url: string;
  caPem: string;
  /** Requests served, without any secret value. */
  readonly requests: { method: string; path: string; status: number; authorized: boolean }[];
  setSecret(name: string, value: string): void;
  /** Refuse the next `count` requests that carry a token, as when a token went stale or a role was just revoked. */
  refuseTokens(count: number): void;
  close(): Promise<void>;
}

function audienceOf(token: string): string | undefined {
  try {
    const payload = token.split('.')[1] ?? '';
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { aud?: unknown };
    return typeof claims.aud === 'string' ? claims.aud : undefined;
  } catch {
    return undefined;
  }
}

export async function startKeyVaultServer(options: KeyVaultServerOptions = {}): Promise<KeyVaultServer> {
  const tls = options.tls ?? (await generateLoopbackCertificate());
  const tenantId = options.tenantId ?? DEFAULT_TENANT_ID;
  const secrets = new Map<string, { value: string; version: string }>();
  const set = (name: string, value: string): void => {
    secrets.set(name, { value, version: randomBytes(16).toString('hex') });
  };
  for (const [k, v] of Object.entries(options.secrets ?? {})) set(k, v);
  let refuse = 0;
  const requests: KeyVaultServer['requests'] = [];
  const accept =
    options.acceptToken ??
    ((token: string) => /^https:\/\/vault\.azure\.net\/?$/.test(audienceOf(token) ?? ''));
  let base = '';

  const server = https.createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    const url = new URL(req.url ?? '/', base);
    const path = decodeURIComponent(url.pathname);
    const send = (
      status: number,
      body: unknown,
      headers: Record<string, string> = {},
      authorized = false,
    ): void => {
      requests.push({ method: req.method ?? '', path, status, authorized });
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    req.resume();
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const refused = auth !== undefined && refuse > 0;
    if (refused) refuse--;
    if (!auth || refused || !accept(auth)) {
      return send(
        401,
        {
          error: {
            code: 'Unauthorized',
            message: auth ? 'The token is not accepted.' : 'AKV10000: Request is missing a Bearer token.',
          },
        },
        {
          'www-authenticate': `Bearer authorization="https://login.microsoftonline.com/${tenantId}", resource="https://vault.azure.net"`,
        },
      );
    }
    const m = /^\/secrets\/([A-Za-z0-9-]{1,127})\/?([0-9a-f]{32})?$/.exec(path);
    if (req.method !== 'GET' || !m)
      return send(400, { error: { code: 'BadParameter', message: 'unsupported' } }, {}, true);
    const secret = secrets.get(m[1] ?? '');
    if (!secret || (m[2] && m[2] !== secret.version)) {
      return send(
        404,
        {
          error: {
            code: 'SecretNotFound',
            message: `A secret with (name/id) ${m[1]} was not found in this key vault.`,
          },
        },
        {},
        true,
      );
    }
    const now = Math.floor(Date.now() / 1000);
    send(
      200,
      {
        value: secret.value,
        id: `${base}/secrets/${m[1]}/${secret.version}`,
        attributes: {
          enabled: true,
          created: now,
          updated: now,
          recoveryLevel: 'Recoverable+Purgeable',
          recoverableDays: 90,
        },
      },
      {},
      true,
    );
  });
  const listener = await listenOnLoopback(server);
  base = listener.origin;
  return {
    url: base,
    caPem: tls.caPem,
    requests,
    setSecret: set,
    refuseTokens: (count: number) => {
      refuse = count;
    },
    close: listener.close,
  };
}
