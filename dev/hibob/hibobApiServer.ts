/**
 * A loopback stand-in of the part of HiBob's API the app reads: the details of a time-off request
 * (`GET /v1/timeoff/employees/{employeeId}/requests/{requestId}`) and an employee's fields
 * (`POST /v1/people/{employeeId}`), behind the service user's Basic credentials. Tests and `npm start`
 * point HIBOB_API_URL at it and sign deliveries with `hibobDelivery`. Dev only; nothing persists.
 */
import http from 'node:http';
import { listenOnLoopback } from '../loopback/listenOnLoopback';
import { BOB_SIGNATURE_HEADER, bobSignature } from './bobSignature';

interface HibobEmployeeRecord {
  id: string;
  email: string;
  displayName: string;
}

/** A time-off request as HiBob's "details of an existing time off request" answers it (days type). */
export interface HibobRequestRecord {
  requestId: number;
  employeeId: string;
  policyTypeDisplayName: string;
  type: 'days';
  startDate: string;
  startDatePortion: 'all_day' | 'morning' | 'afternoon';
  endDate: string;
  endDatePortion: 'all_day' | 'morning' | 'afternoon';
  status: 'approved' | 'pending' | 'declined' | 'canceled';
}

interface HibobApiServerOptions {
  serviceUser: { id: string; token: string };
  employees: HibobEmployeeRecord[];
  port?: number;
}

export interface HibobApiServer {
  /** `http://127.0.0.1:PORT`: HIBOB_API_URL. */
  url: string;
  /** Adds or replaces a request (status, dates). */
  putRequest(request: HibobRequestRecord): void;
  deleteRequest(requestId: number): void;
  /** Every call received: method, path and whether its credentials were accepted. */
  readonly calls: readonly { method: string; path: string; authorized: boolean }[];
  close(): Promise<void>;
}

export async function startHibobApi(options: HibobApiServerOptions): Promise<HibobApiServer> {
  const requests = new Map<number, HibobRequestRecord>();
  const calls: { method: string; path: string; authorized: boolean }[] = [];
  const expected = `Basic ${Buffer.from(`${options.serviceUser.id}:${options.serviceUser.token}`).toString('base64')}`;

  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const authorized = req.headers.authorization === expected;
    calls.push({ method: req.method ?? '', path, authorized });
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    req.resume();
    req.on('end', () => {
      if (!authorized) return send(401, { error: 'Unauthorized' });
      let m = /^\/v1\/timeoff\/employees\/([^/]+)\/requests\/(\d+)$/.exec(path);
      if (req.method === 'GET' && m) {
        const found = requests.get(Number(m[2]));
        if (!found || found.employeeId !== decodeURIComponent(m[1] ?? '')) {
          return send(404, { error: 'Time off request not found' });
        }
        return send(200, found);
      }
      m = /^\/v1\/people\/([^/]+)$/.exec(path);
      if (req.method === 'POST' && m) {
        const person = options.employees.find((e) => e.id === decodeURIComponent(m?.[1] ?? ''));
        if (!person) return send(404, { error: 'Employee not found' });
        return send(200, { id: person.id, email: person.email, displayName: person.displayName });
      }
      send(404, { error: `no route ${req.method} ${path}` });
    });
  });
  const listener = await listenOnLoopback(server, options.port);
  return {
    url: listener.origin,
    putRequest: (r) => void requests.set(r.requestId, { ...r }),
    deleteRequest: (id) => void requests.delete(id),
    calls,
    close: listener.close,
  };
}

/** A HiBob v2 time-off webhook delivery for `request`, signed as HiBob signs it (bobSignature.ts). */
export function hibobDelivery(
  secret: string,
  type: string,
  request: Pick<HibobRequestRecord, 'requestId' | 'employeeId'>,
  apiUrl: string,
  triggeredAt = new Date().toISOString(),
): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify({
    companyId: 640001,
    type,
    triggeredBy: 'system',
    triggeredAt,
    version: 'v2',
    data: {
      employeeId: request.employeeId,
      requestId: request.requestId,
      getApi: `${apiUrl.replace(/\/+$/, '')}/v1/timeoff/employees/${request.employeeId}/requests/${request.requestId}`,
    },
  });
  return {
    body,
    headers: { 'content-type': 'application/json', [BOB_SIGNATURE_HEADER]: bobSignature(secret, body) },
  };
}
