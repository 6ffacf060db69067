/**
 * The sandbox's tenant, as a JSON seed: mailboxes (primary folders, optional archive, items, OOF),
 * distribution groups, service accounts (Basic) and OAuth apps, each with the mailboxes it may impersonate.
 * dev/seeds/demo-tenant.json is the example; `validateSeed` explains every mistake by its JSON path.
 */
import { readFileSync } from 'node:fs';

/** Automatic-reply settings as seeded. Times are ISO 8601 (UTC); `startDaysFromNow`/`endDaysFromNow` keep demos current. */
export interface SeedOof {
  state: 'Disabled' | 'Enabled' | 'Scheduled';
  externalAudience?: 'None' | 'Known' | 'All';
  start?: string;
  end?: string;
  startDaysFromNow?: number;
  endDaysFromNow?: number;
  internalReply?: string;
  externalReply?: string;
}

/** One message. Give `received` (ISO) or `receivedDaysAgo` (relative to the sandbox's start, so old mail stays old). */
export interface SeedItem {
  subject?: string;
  received?: string;
  receivedDaysAgo?: number;
  isRead?: boolean;
}

/**
 * Many messages without listing them: `count` items, of which round(count * oldFraction) are received
 * more than `oldAgeDays` days ago (at least one day more) and the rest less than `oldAgeDays` (at least a day less),
 * so a cutoff at `oldAgeDays` selects exactly the old ones. Items are created lazily on first access.
 */
export interface SeedGeneratedItems {
  count: number;
  oldFraction?: number;
  oldAgeDays?: number;
}

export interface SeedFolder {
  items?: SeedItem[];
  generate?: SeedGeneratedItems;
}

/** Folders of a primary mailbox, by distinguished folder id (inbox, sentitems, deleteditems, drafts, junkemail). */
export type SeedFolders = Partial<Record<string, SeedFolder>>;

/**
 * An event of the person's own default calendar. `start`/`end` ISO 8601, or `startDaysFromNow`/`endDaysFromNow`
 * (whole hours from the sandbox's start, like the OOF window), so that a demo's events stay current.
 */
export interface SeedCalendarEvent {
  subject: string;
  start?: string;
  end?: string;
  startDaysFromNow?: number;
  endDaysFromNow?: number;
  isAllDay?: boolean;
  /** LegacyFreeBusyStatus: Free, Tentative, Busy (default), OOF, WorkingElsewhere, NoData. */
  freeBusy?: string;
  body?: string;
}

export const FREE_BUSY_STATUSES = ['Free', 'Tentative', 'Busy', 'OOF', 'WorkingElsewhere', 'NoData'];

export interface SeedMailbox {
  /** Primary SMTP address. */
  address: string;
  displayName?: string;
  /** User principal name; defaults to the address. May differ from it (ConnectingSID PrincipalName uses it). */
  upn?: string;
  /** Security identifier (ConnectingSID SID); a stable one is derived when omitted. */
  sid?: string;
  /** Other SMTP addresses (proxy addresses, aliases): resolve to this mailbox. */
  proxyAddresses?: string[];
  oof?: SeedOof;
  folders?: SeedFolders;
  /** The In-Place Archive. Absent or false: no archive mailbox. Keys mirror primary folders (inbox = archiveinbox). */
  archive?: false | { folders?: SeedFolders };
  /** Events already in the person's default calendar (the app must never touch them). */
  calendar?: SeedCalendarEvent[];
}

/** A distribution group; members are addresses of mailboxes, other groups (nested) or external contacts. */
export interface SeedGroup {
  address: string;
  displayName?: string;
  proxyAddresses?: string[];
  members: string[];
}

/** Which mailboxes an account or app may impersonate (management scope / RBAC for Applications). */
export interface SeedImpersonationScope {
  /** Every mailbox in the tenant. */
  all?: boolean;
  domains?: string[];
  addresses?: string[];
  /** Members of these groups, nested groups expanded. */
  groups?: string[];
}

/** An on-premises service account: Basic credentials and the ApplicationImpersonation role limited by a scope. */
export interface SeedServiceAccount {
  /** UPN, e.g. svc-mailbox@contoso.com. */
  username: string;
  /** Other accepted user names, e.g. CONTOSO\\svc-mailbox. */
  aliases?: string[];
  password: string;
  impersonation: SeedImpersonationScope;
}

/** An Entra app allowed to use EWS (Exchange Online's EwsAllowedAppIDs) with full_access_as_app, limited by a scope. */
export interface SeedApp {
  clientId: string;
  displayName?: string;
  /** False: EWS is blocked for this app (HTTP 403, as Exchange Online answers apps not on the allow list). */
  allowed?: boolean;
  impersonation: SeedImpersonationScope;
}

/** Behaviour when a request's X-AnchorMailbox is missing or names another mailbox (Exchange routes it badly). */
export interface SeedAnchorBehaviour {
  /** Extra latency per call, ms. */
  delayMs?: number;
  /** Probability (0..1) of an HTTP 503 instead of an answer. */
  failureRate?: number;
}

/** The whole seed file. */
export interface SandboxSeed {
  description?: string;
  tenant: { name?: string; tenantId?: string; domains: string[] };
  mailboxes: SeedMailbox[];
  groups?: SeedGroup[];
  serviceAccounts?: SeedServiceAccount[];
  apps?: SeedApp[];
  behaviour?: { missingAnchor?: SeedAnchorBehaviour };
}

/** The seed is not usable; `problems` lists each one with its JSON path. */
export class SeedError extends Error {
  constructor(
    readonly problems: string[],
    source = 'seed',
  ) {
    super(`${source} is not a valid sandbox seed:\n  - ${problems.join('\n  - ')}`);
    this.name = 'SeedError';
  }
}

const ADDRESS = /^[^\s@<>"]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;
const PRIMARY_SEED_FOLDERS = ['inbox', 'sentitems', 'deleteditems', 'drafts', 'junkemail', 'msgfolderroot'];

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks the shape and the cross-references of a seed; throws SeedError listing every problem. */
export function validateSeed(input: unknown, source = 'seed'): SandboxSeed {
  const problems: string[] = [];
  const p = (path: string, msg: string): void => void problems.push(`${path}: ${msg}`);
  const str = (v: Json, path: string, required = true): v is string => {
    if (v === undefined && !required) return false;
    if (typeof v !== 'string' || v.trim() === '') {
      p(path, required ? 'must be a non-empty string' : 'must be a non-empty string when given');
      return false;
    }
    return true;
  };
  const addr = (v: Json, path: string): void => {
    if (str(v, path) && !ADDRESS.test(v)) p(path, `"${v}" is not an e-mail address`);
  };
  const strArray = (v: Json, path: string, check: (x: Json, path: string) => void): void => {
    if (v === undefined) return;
    if (!Array.isArray(v)) return p(path, 'must be an array');
    v.forEach((x, i) => check(x, `${path}[${i}]`));
  };
  const date = (v: Json, path: string): void => {
    if (v === undefined) return;
    if (typeof v !== 'string' || Number.isNaN(Date.parse(v))) p(path, 'must be an ISO 8601 date-time');
  };
  const num = (v: Json, path: string, min: number, max = Infinity): void => {
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
      p(path, `must be a number in [${min}, ${max}]`);
  };
  const scope = (v: Json, path: string): void => {
    if (!isObject(v)) return p(path, 'must be an object like { "domains": ["contoso.com"] }');
    if (v.all !== undefined && typeof v.all !== 'boolean') p(`${path}.all`, 'must be true or false');
    strArray(v.domains, `${path}.domains`, (x, q) => void str(x, q));
    strArray(v.addresses, `${path}.addresses`, addr);
    strArray(v.groups, `${path}.groups`, addr);
  };
  const folders = (v: Json, path: string): void => {
    if (v === undefined) return;
    if (!isObject(v)) return p(path, 'must be an object keyed by folder (inbox, sentitems, ...)');
    for (const [name, folder] of Object.entries(v)) {
      const fp = `${path}.${name}`;
      if (!PRIMARY_SEED_FOLDERS.includes(name))
        p(fp, `unknown folder; use one of ${PRIMARY_SEED_FOLDERS.join(', ')}`);
      if (!isObject(folder)) {
        p(fp, 'must be an object with "items" and/or "generate"');
        continue;
      }
      strArray(folder.items, `${fp}.items`, (item, ip) => {
        if (!isObject(item)) return p(ip, 'must be an object');
        if ((item.received === undefined) === (item.receivedDaysAgo === undefined)) {
          p(ip, 'give exactly one of "received" (ISO date) or "receivedDaysAgo"');
        }
        date(item.received, `${ip}.received`);
        num(item.receivedDaysAgo, `${ip}.receivedDaysAgo`, 0);
        if (item.subject !== undefined && typeof item.subject !== 'string')
          p(`${ip}.subject`, 'must be a string');
      });
      if (folder.generate !== undefined) {
        const g = folder.generate;
        if (!isObject(g)) p(`${fp}.generate`, 'must be an object like { "count": 100, "oldFraction": 0.5 }');
        else {
          num(g.count, `${fp}.generate.count`, 0);
          if (typeof g.count !== 'number' || !Number.isInteger(g.count))
            p(`${fp}.generate.count`, 'must be a whole number');
          num(g.oldFraction, `${fp}.generate.oldFraction`, 0, 1);
          num(g.oldAgeDays, `${fp}.generate.oldAgeDays`, 2);
        }
      }
    }
  };

  if (!isObject(input)) throw new SeedError(['the seed must be a JSON object'], source);
  const tenant = input.tenant;
  if (!isObject(tenant)) p('tenant', 'must be an object like { "domains": ["contoso.com"] }');
  else {
    if (!Array.isArray(tenant.domains) || tenant.domains.length === 0)
      p('tenant.domains', 'must list at least one domain');
    else strArray(tenant.domains, 'tenant.domains', (x, q) => void str(x, q));
    if (tenant.tenantId !== undefined) str(tenant.tenantId, 'tenant.tenantId');
  }

  const known = new Set<string>();
  const claim = (address: Json, path: string): void => {
    if (typeof address !== 'string') return;
    const key = address.toLowerCase();
    if (known.has(key)) p(path, `address ${address} is used twice`);
    known.add(key);
  };

  const upns = new Set<string>();
  const sids = new Set<string>();
  if (!Array.isArray(input.mailboxes)) p('mailboxes', 'must be an array');
  else {
    input.mailboxes.forEach((m: Json, i) => {
      const mp = `mailboxes[${i}]`;
      if (!isObject(m)) return p(mp, 'must be an object');
      addr(m.address, `${mp}.address`);
      claim(m.address, `${mp}.address`);
      strArray(m.proxyAddresses, `${mp}.proxyAddresses`, (x, q) => {
        addr(x, q);
        claim(x, q);
      });
      if (m.upn !== undefined) addr(m.upn, `${mp}.upn`);
      const upnKey = `upn:${String(m.upn ?? m.address).toLowerCase()}`;
      if (upns.has(upnKey)) p(`${mp}.upn`, `UPN ${String(m.upn ?? m.address)} is used twice`);
      upns.add(upnKey);
      if (m.sid !== undefined && (typeof m.sid !== 'string' || !/^S-1-\d+(-\d+)+$/.test(m.sid))) {
        p(`${mp}.sid`, 'must look like S-1-5-21-...');
      } else if (typeof m.sid === 'string') {
        if (sids.has(m.sid.toUpperCase())) p(`${mp}.sid`, `SID ${m.sid} is used twice`);
        sids.add(m.sid.toUpperCase());
      }
      if (m.oof !== undefined) {
        const o = m.oof;
        if (!isObject(o)) p(`${mp}.oof`, 'must be an object');
        else {
          if (!['Disabled', 'Enabled', 'Scheduled'].includes(o.state as string)) {
            p(`${mp}.oof.state`, 'must be Disabled, Enabled or Scheduled');
          }
          if (
            o.externalAudience !== undefined &&
            !['None', 'Known', 'All'].includes(o.externalAudience as string)
          ) {
            p(`${mp}.oof.externalAudience`, 'must be None, Known or All');
          }
          date(o.start, `${mp}.oof.start`);
          date(o.end, `${mp}.oof.end`);
          num(o.startDaysFromNow, `${mp}.oof.startDaysFromNow`, -36500, 36500);
          num(o.endDaysFromNow, `${mp}.oof.endDaysFromNow`, -36500, 36500);
          if (
            o.state === 'Scheduled' &&
            o.start === undefined &&
            o.startDaysFromNow === undefined &&
            o.end === undefined &&
            o.endDaysFromNow === undefined
          ) {
            p(`${mp}.oof`, 'a Scheduled OOF needs start/end (or startDaysFromNow/endDaysFromNow)');
          }
        }
      }
      folders(m.folders, `${mp}.folders`);
      strArray(m.calendar, `${mp}.calendar`, (e, ep) => {
        if (!isObject(e))
          return p(ep, 'must be an object like { "subject": "Dentist", "start": "...", "end": "..." }');
        str(e.subject, `${ep}.subject`);
        for (const edge of ['start', 'end'] as const) {
          const relative = `${edge}DaysFromNow` as const;
          if ((e[edge] === undefined) === (e[relative] === undefined))
            p(ep, `give exactly one of "${edge}" (ISO date) or "${relative}"`);
          date(e[edge], `${ep}.${edge}`);
          num(e[relative], `${ep}.${relative}`, -36500, 36500);
        }
        if (e.isAllDay !== undefined && typeof e.isAllDay !== 'boolean')
          p(`${ep}.isAllDay`, 'must be true or false');
        if (e.freeBusy !== undefined && !FREE_BUSY_STATUSES.includes(e.freeBusy as string))
          p(`${ep}.freeBusy`, `must be one of ${FREE_BUSY_STATUSES.join(', ')}`);
        if (e.body !== undefined && typeof e.body !== 'string') p(`${ep}.body`, 'must be a string');
      });
      if (m.archive !== undefined && m.archive !== false) {
        if (!isObject(m.archive)) p(`${mp}.archive`, 'must be false or an object like { "folders": {} }');
        else folders(m.archive.folders, `${mp}.archive.folders`);
      }
    });
  }

  const groups = input.groups;
  if (groups !== undefined && !Array.isArray(groups)) p('groups', 'must be an array');
  if (Array.isArray(groups)) {
    groups.forEach((g: Json, i) => {
      const gp = `groups[${i}]`;
      if (!isObject(g)) return p(gp, 'must be an object');
      addr(g.address, `${gp}.address`);
      claim(g.address, `${gp}.address`);
      strArray(g.proxyAddresses, `${gp}.proxyAddresses`, (x, q) => {
        addr(x, q);
        claim(x, q);
      });
      if (!Array.isArray(g.members)) p(`${gp}.members`, 'must be an array of addresses');
      else strArray(g.members, `${gp}.members`, addr);
    });
  }

  if (input.serviceAccounts !== undefined && !Array.isArray(input.serviceAccounts))
    p('serviceAccounts', 'must be an array');
  if (Array.isArray(input.serviceAccounts)) {
    input.serviceAccounts.forEach((a: Json, i) => {
      const ap = `serviceAccounts[${i}]`;
      if (!isObject(a)) return p(ap, 'must be an object');
      str(a.username, `${ap}.username`);
      str(a.password, `${ap}.password`);
      strArray(a.aliases, `${ap}.aliases`, (x, q) => void str(x, q));
      scope(a.impersonation, `${ap}.impersonation`);
    });
  }
  if (input.apps !== undefined && !Array.isArray(input.apps)) p('apps', 'must be an array');
  if (Array.isArray(input.apps)) {
    input.apps.forEach((a: Json, i) => {
      const ap = `apps[${i}]`;
      if (!isObject(a)) return p(ap, 'must be an object');
      str(a.clientId, `${ap}.clientId`);
      if (a.allowed !== undefined && typeof a.allowed !== 'boolean')
        p(`${ap}.allowed`, 'must be true or false');
      scope(a.impersonation, `${ap}.impersonation`);
    });
  }
  const behaviour = input.behaviour;
  if (behaviour !== undefined) {
    if (!isObject(behaviour)) p('behaviour', 'must be an object');
    else if (behaviour.missingAnchor !== undefined) {
      const a = behaviour.missingAnchor;
      if (!isObject(a)) p('behaviour.missingAnchor', 'must be an object');
      else {
        num(a.delayMs, 'behaviour.missingAnchor.delayMs', 0);
        num(a.failureRate, 'behaviour.missingAnchor.failureRate', 0, 1);
      }
    }
  }

  // Cross-references: group members and scope groups must exist, except external members (contacts).
  if (problems.length === 0) {
    const seed = input as unknown as SandboxSeed;
    const domains = new Set(seed.tenant.domains.map((d) => d.toLowerCase()));
    const groupAddresses = new Set((seed.groups ?? []).map((g) => g.address.toLowerCase()));
    (seed.groups ?? []).forEach((g, i) =>
      g.members.forEach((member, j) => {
        const domain = member.slice(member.lastIndexOf('@') + 1).toLowerCase();
        if (domains.has(domain) && !known.has(member.toLowerCase())) {
          p(
            `groups[${i}].members[${j}]`,
            `${member} is in a tenant domain but is no mailbox or group of the seed`,
          );
        }
      }),
    );
    const checkGroups = (s: SeedImpersonationScope, path: string): void =>
      (s.groups ?? []).forEach((g, j) => {
        if (!groupAddresses.has(g.toLowerCase()))
          p(`${path}.groups[${j}]`, `${g} is not a group of the seed`);
      });
    (seed.serviceAccounts ?? []).forEach((a, i) =>
      checkGroups(a.impersonation, `serviceAccounts[${i}].impersonation`),
    );
    (seed.apps ?? []).forEach((a, i) => checkGroups(a.impersonation, `apps[${i}].impersonation`));
  }

  if (problems.length > 0) throw new SeedError(problems, source);
  return input as unknown as SandboxSeed;
}

/** Reads and validates a seed file. */
export function loadSeedFile(path: string): SandboxSeed {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new SeedError([`cannot read JSON: ${(err as Error).message}`], path);
  }
  return validateSeed(parsed, path);
}
