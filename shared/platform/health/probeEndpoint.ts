/**
 * One anonymous GET to a dependency's endpoint: did it answer HTTP at all? A 401 (EWS, Graph and Key
 * Vault all answer an anonymous request with one) means the endpoint is there: name resolution, routing,
 * firewall and TLS, with the CA file the app's own client trusts, all worked. No credential is sent, so
 * a probe never spends a token or a password, and nothing secret can come back in its answer.
 */
import { Agent, request } from 'undici';

export interface ProbeTarget {
  url: URL;
  /** PEM the app's client trusts for this endpoint (EWS_CA_FILE, GRAPH_CA_FILE, KEY_VAULT_CA_FILE). */
  caPem?: string;
  /** The client's own connect timeout (EWS_CONNECT_TIMEOUT_MS, ...), capped by the probe's timeout. */
  connectTimeoutMs?: number;
}

export interface ProbeResult {
  reachable: boolean;
  /** The endpoint's answer to an anonymous GET (401 is the usual one). */
  httpStatus?: number;
  /** Why it was not reachable: an error code (ECONNREFUSED, a TLS code) or the timeout; never a message. */
  error?: string;
  durationMs: number;
}

/** The URL without user info or query string: the probe sends nothing that could be a credential. */
function anonymous(url: URL): URL {
  return new URL(url.origin + url.pathname);
}

function failureCode(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; code?: string; cause?: { code?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  return e.code ?? e.cause?.code ?? e.name ?? 'unknown error';
}

export async function probeEndpoint(target: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  const agent = new Agent({
    connect: {
      timeout: Math.min(target.connectTimeoutMs ?? timeoutMs, timeoutMs),
      ...(target.caPem ? { ca: target.caPem } : {}),
    },
  });
  const started = Date.now();
  try {
    const answer = await request(anonymous(target.url), {
      method: 'GET',
      dispatcher: agent,
      signal: AbortSignal.timeout(timeoutMs),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    await answer.body.dump();
    return { reachable: true, httpStatus: answer.statusCode, durationMs: Date.now() - started };
  } catch (error) {
    return { reachable: false, error: failureCode(error, timeoutMs), durationMs: Date.now() - started };
  } finally {
    // destroy, not close: a probe that timed out must not keep its socket waiting for an answer.
    await agent.destroy();
  }
}
