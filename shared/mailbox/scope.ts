import { domainOf, isSmtpAddress } from './address';
import { ConfigError } from '../platform/configError';

/**
 * Which mailboxes the app may impersonate. Checked before any call, as defence in depth on top of
 * Exchange's own management scope / RBAC for Applications: a mistake in an HR feed or a sweep's
 * group must never make the service account touch a mailbox the administrator did not allow.
 */
export class MailboxScope {
  private constructor(
    private readonly everything: boolean,
    private readonly domains: ReadonlySet<string>,
    private readonly addresses: ReadonlySet<string>,
  ) {}

  /**
   * Parses `MAILBOX_SCOPE`: comma-separated domains and addresses (`contoso.com,ceo@fabrikam.com`) or `*`.
   * Unset or empty means no mailbox at all.
   */
  static parse(value: string | undefined, setting = 'MAILBOX_SCOPE'): MailboxScope {
    const entries = (value ?? '')
      .split(',')
      .map((e) => e.trim().toLowerCase())
      .filter((e) => e.length > 0);
    if (entries.includes('*')) {
      if (entries.length > 1)
        throw new ConfigError(`${setting}: "*" cannot be combined with other entries`, setting);
      return new MailboxScope(true, new Set(), new Set());
    }
    const domains = new Set<string>();
    const addresses = new Set<string>();
    for (const entry of entries) {
      if (entry.includes('@')) {
        if (!isSmtpAddress(entry))
          throw new ConfigError(`${setting}: "${entry}" is not an e-mail address`, setting);
        addresses.add(entry);
      } else if (isSmtpAddress(`x@${entry}`)) {
        domains.add(entry);
      } else {
        throw new ConfigError(`${setting}: "${entry}" is neither a domain nor an e-mail address`, setting);
      }
    }
    return new MailboxScope(false, domains, addresses);
  }

  get isEmpty(): boolean {
    return !this.everything && this.domains.size === 0 && this.addresses.size === 0;
  }

  allows(address: string): boolean {
    const normalized = address.trim().toLowerCase();
    if (!isSmtpAddress(normalized)) return false;
    return this.everything || this.addresses.has(normalized) || this.domains.has(domainOf(normalized));
  }

  /** Throws OutOfScopeError unless the mailbox is in scope. */
  assertAllows(address: string): void {
    if (!this.allows(address)) throw new OutOfScopeError(address, this);
  }

  describe(): string {
    if (this.everything) return '*';
    if (this.isEmpty) return '(none)';
    return [...this.domains, ...this.addresses].join(',');
  }
}

export class OutOfScopeError extends Error {
  readonly code = 'OutOfScope';
  constructor(
    readonly mailbox: string,
    scope: MailboxScope,
  ) {
    super(
      scope.isEmpty
        ? `mailbox ${mailbox} is out of scope: MAILBOX_SCOPE is not set, so no mailbox may be impersonated; ` +
            `set MAILBOX_SCOPE to the domains and addresses allowed, e.g. MAILBOX_SCOPE=contoso.com,ceo@fabrikam.com (or * for all)`
        : `mailbox ${mailbox} is out of scope (MAILBOX_SCOPE=${scope.describe()}); nothing was sent`,
    );
    this.name = 'OutOfScopeError';
  }
}
