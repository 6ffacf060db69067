/**
 * Certificates for the loopback test servers, generated at start and never written to the repository
 * (committed test certificates expire and then break every clone at once).
 */
import { X509Certificate, createHash } from 'node:crypto';
import { generate } from 'selfsigned';

/** A server certificate and its key, PEM; `caPem` is what clients must trust (the certificate itself). */
export interface LoopbackCertificate {
  certPem: string;
  keyPem: string;
  /** Pass to `tlsOptions: { ca }`, undici's `connect: { ca }`, or write to a file for NODE_EXTRA_CA_CERTS. */
  caPem: string;
}

/** A client certificate for ClientCertificateCredential: `pem` holds certificate and key together. */
interface ClientCertificate {
  certPem: string;
  keyPem: string;
  /** Certificate followed by the private key, the form @azure/identity reads from `certificatePath`. */
  pem: string;
  /** SHA-256 thumbprint, base64url: what MSAL puts in the assertion's `x5t#S256` header. */
  thumbprintSha256: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Self-signed certificate for 127.0.0.1 and localhost, valid from an hour ago for `days` days. */
export async function generateLoopbackCertificate(days = 30): Promise<LoopbackCertificate> {
  const notBeforeDate = new Date(Date.now() - 60 * 60 * 1000);
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: new Date(notBeforeDate.getTime() + days * DAY_MS),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { certPem: pems.cert, keyPem: pems.private, caPem: pems.cert };
}

/** SHA-256 thumbprint of a PEM certificate as base64url (the `x5t#S256` JWT header value). */
export function certificateThumbprintSha256(certPem: string): string {
  return createHash('sha256').update(new X509Certificate(certPem).raw).digest('base64url');
}

/** A self-signed client certificate (RSA 2048) for an app registration that authenticates with a certificate. */
export async function generateClientCertificate(
  commonName = 'mailbox-automation-test-app',
): Promise<ClientCertificate> {
  const notBeforeDate = new Date(Date.now() - 60 * 60 * 1000);
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: new Date(notBeforeDate.getTime() + 30 * DAY_MS),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true },
      { name: 'extKeyUsage', clientAuth: true },
    ],
  });
  return {
    certPem: pems.cert,
    keyPem: pems.private,
    pem: `${pems.cert.trim()}\n${pems.private.trim()}\n`,
    thumbprintSha256: certificateThumbprintSha256(pems.cert),
  };
}
