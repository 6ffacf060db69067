/**
 * Receiving one HR delivery (`POST /api/hr/{source}`, functions/hrWebhook.ts): size, media type,
 * signature and schema are checked in that order, and nothing starts and nothing changes on any refusal;
 * an accepted event starts the leave's orchestration or is forwarded to it (shared/leave/leaveDispatch.ts).
 * - `generic`: our LeaveEvent, `X-Signature` (HR_WEBHOOK_SECRETS);
 * - `hibob`: HiBob's time-off webhooks, `Bob-Signature` (HIBOB_WEBHOOK_SECRETS); ids only, the
 *   orchestration re-reads the request from HiBob. HiBob's connection ping is answered, and nothing
 *   else happens.
 *
 * The outcome says what happened in the HR system's terms; the route turns it into HTTP.
 */
import type { AppServices } from '../app/appServices';
import { configurationRefusal, type Refusal } from '../app/problem';
import { ConfigError } from '../platform/configError';
import type { InvocationLogger } from '../platform/logging/invocationLog';
import { splitSecretList } from '../platform/secrets';
import { isHibobPing, parseHibobDelivery } from './sources/hibob';
import { WEBHOOK_SOURCES, type WebhookSource } from './instanceId';
import { dispatchLeaveEvent, type DispatchOutcome, type LeaveInstances } from './leaveDispatch';
import { LeaveEventError, parseLeaveEvent } from './leaveEvent';
import { verifyGeneric, verifyHibob, type SignatureCheck } from './sources/signature';

export const MAX_BODY_BYTES = 256 * 1024;

/** Each source's signature header and the secret (list) that verifies it. */
const SIGNING: Record<WebhookSource, { header: string; secret: string }> = {
  generic: { header: 'X-Signature', secret: 'HR_WEBHOOK_SECRETS' },
  hibob: { header: 'Bob-Signature', secret: 'HIBOB_WEBHOOK_SECRETS' },
};

/** One delivery as it arrived. */
export interface HrDelivery {
  /** The route's `{source}`, unchecked. */
  source: string;
  /** A request header (names are case-insensitive), null when absent. */
  header(name: string): string | null;
  /** The whole body; read only after the declared Content-Length was found acceptable. */
  body(): Promise<Buffer>;
}

export type DeliveryRefusal =
  | 'UnknownSource'
  | 'PayloadTooLarge'
  | 'UnsupportedMediaType'
  | 'InvalidSignature'
  | 'InvalidJson'
  | 'InvalidLeaveEvent'
  /** A LEAVE_* or HIBOB_* setting does not parse: the app's problem, not the caller's. */
  | 'Configuration';

export type DeliveryOutcome =
  | { kind: 'refused'; refusal: Refusal<DeliveryRefusal> }
  /** Answered without touching any leave: HiBob's ping, or a HiBob event this app does not act on. */
  | { kind: 'answered'; answer: { outcome: 'pong' } | { outcome: 'ignored'; reason: string } }
  /** Handed to the leave's orchestration; `runtimeStatus` as it is now (null: no instance, e.g. a cancellation of nothing). */
  | { kind: 'accepted'; dispatch: DispatchOutcome; runtimeStatus: string | null };

export interface DeliveryDependencies {
  services: Pick<AppServices, 'secrets' | 'now' | 'leaveSettings'>;
  instances: LeaveInstances;
  log: InvocationLogger;
}

function isJson(contentType: string | null): boolean {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

/** The body, or undefined when it is (or says it is) larger than MAX_BODY_BYTES. */
async function readLimited(delivery: HrDelivery): Promise<Buffer | undefined> {
  if (Number(delivery.header('content-length') ?? '0') > MAX_BODY_BYTES) return undefined;
  const body = await delivery.body();
  return body.length > MAX_BODY_BYTES ? undefined : body;
}

const refused = (error: DeliveryRefusal, message: string, field?: string): DeliveryOutcome => ({
  kind: 'refused',
  refusal: { error, message, ...(field === undefined ? {} : { field }) },
});

export async function receiveLeaveEvent(
  delivery: HrDelivery,
  deps: DeliveryDependencies,
): Promise<DeliveryOutcome> {
  try {
    return await receive(delivery, deps);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    deps.log.error(`hr/${delivery.source}: not accepted, configuration: ${error.message}`);
    return { kind: 'refused', refusal: configurationRefusal(error) };
  }
}

async function receive(
  delivery: HrDelivery,
  { services, instances, log }: DeliveryDependencies,
): Promise<DeliveryOutcome> {
  const source = delivery.source as WebhookSource;
  if (!WEBHOOK_SOURCES.includes(source)) {
    return refused('UnknownSource', `no HR source "${source}"; use one of ${WEBHOOK_SOURCES.join(', ')}`);
  }
  const body = await readLimited(delivery);
  if (!body) return refused('PayloadTooLarge', `the body is larger than ${MAX_BODY_BYTES} bytes`);
  // HiBob checks a new webhook with an unsigned "Ping test": answered, and nothing else happens.
  if (source === 'hibob' && isHibobPing(body)) return { kind: 'answered', answer: { outcome: 'pong' } };
  if (!isJson(delivery.header('content-type'))) {
    return refused('UnsupportedMediaType', 'send the event as application/json');
  }

  const signing = SIGNING[source];
  const secrets = splitSecretList(await services.secrets().get(signing.secret));
  if (!secrets.length) log.error(`${signing.secret} is not set: every ${source} event is refused`);
  const header = delivery.header(signing.header);
  const check: SignatureCheck =
    source === 'hibob'
      ? verifyHibob(header, body, secrets)
      : verifyGeneric(header, body, secrets, Math.floor(services.now().getTime() / 1000));
  if (!check.ok) {
    log.warn(`hr/${source}: signature refused (${check.reason})`);
    const reason = check.reason === 'no-secret' ? 'not accepted' : check.reason;
    return refused('InvalidSignature', `the ${signing.header} header is ${reason}`);
  }

  let parsed: unknown;
  try {
    // A UTF-8 byte order mark (EF BB BF) before the JSON is allowed (RFC 8259 §8.1 lets parsers ignore it);
    // the signature above was checked on the bytes as sent, BOM included.
    parsed = JSON.parse(body.toString('utf8').replace(/^\uFEFF/, ''));
  } catch {
    return refused('InvalidJson', 'the body is not valid JSON', '(body)');
  }
  const settings = services.leaveSettings();
  let event;
  try {
    if (source === 'hibob') {
      const hibob = parseHibobDelivery(parsed, settings.hibobApiUrl);
      if (hibob.kind === 'ignored') {
        log.info(`hr/${source}: ignored (${hibob.reason})`);
        return { kind: 'answered', answer: { outcome: 'ignored', reason: hibob.reason } };
      }
      event = hibob.notice;
    } else {
      event = parseLeaveEvent(parsed, { bounds: settings.dateBounds, now: services.now() });
    }
  } catch (err) {
    if (err instanceof LeaveEventError) return refused('InvalidLeaveEvent', err.message, err.field);
    throw err;
  }

  const dispatch = await dispatchLeaveEvent(source, event, instances, {
    firstRetryMs: settings.firstRetryMs,
    maxAttempts: settings.maxAttempts,
  });
  log.info(`hr/${source}: event ${event.eventId} (${event.type}) ${dispatch.action} ${dispatch.instanceId}`);
  const now = await instances.status(dispatch.instanceId);
  return { kind: 'accepted', dispatch, runtimeStatus: now?.runtimeStatus ?? null };
}
