import { ConfigError } from '../platform/configError';

// Deliberately plain: an SMTP address as Exchange stores it (local@domain.tld), no display names,
// no quoted local parts. Anything else is refused before it could reach a server.
const SMTP_ADDRESS =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export function isSmtpAddress(value: string): boolean {
  return value.length <= 320 && SMTP_ADDRESS.test(value);
}

/** Lower-cased address, or a ConfigError naming `what` when the value is not an SMTP address. */
export function parseSmtpAddress(value: string, what = 'mailbox'): string {
  const trimmed = value.trim();
  if (!isSmtpAddress(trimmed)) {
    throw new ConfigError(`${what} "${value}" is not an e-mail address (expected name@domain)`, what);
  }
  return trimmed.toLowerCase();
}

export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}
