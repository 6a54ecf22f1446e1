// Certificates made for a test run: a CA, a server certificate it signed (localhost, 127.0.0.1)
// and client certificates it signed; plus a second CA nobody trusts. Written as PEM files to a
// temp directory, because servers take TLS material by file path.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';

const { pki, md } = forge;

export interface Issued {
  readonly certPem: string;
  readonly keyPem: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export interface ClientSubject {
  readonly commonName: string;
  readonly organization?: string;
  readonly uri?: string;
}

export class TestCertificates {
  readonly dir = mkdtempSync(join(tmpdir(), 'switchyard-tls-'));
  readonly ca: Issued & { readonly cert: forge.pki.Certificate; readonly key: forge.pki.rsa.PrivateKey };
  private serial = 1;

  constructor(name = 'Switchyard Test CA') {
    this.ca = this.authority(name, 'ca');
  }

  /** A server certificate for localhost and 127.0.0.1, signed by this CA. */
  server(name = 'server'): Issued {
    return this.leaf(
      name,
      { commonName: 'localhost' },
      [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
      ],
      { serverAuth: true },
    );
  }

  /** A client certificate signed by this CA. */
  client(name: string, subject: ClientSubject): Issued {
    return this.leaf(name, subject, subject.uri ? [{ type: 6, value: subject.uri }] : [], { clientAuth: true });
  }

  write(name: string, contents: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, contents);
    return path;
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private authority(commonName: string, name: string) {
    const keys = pki.rsa.generateKeyPair({ bits: 2048 });
    const cert = this.base(keys.publicKey, [{ name: 'commonName', value: commonName }]);
    cert.setIssuer(cert.subject.attributes);
    cert.setExtensions([
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ]);
    cert.sign(keys.privateKey, md.sha256.create());
    return { ...this.files(name, cert, keys.privateKey), cert, key: keys.privateKey };
  }

  private leaf(name: string, subject: ClientSubject, altNames: object[], usage: { serverAuth?: boolean; clientAuth?: boolean }): Issued {
    const keys = pki.rsa.generateKeyPair({ bits: 2048 });
    const attributes = [{ name: 'commonName', value: subject.commonName }];
    if (subject.organization) attributes.push({ name: 'organizationName', value: subject.organization });
    const cert = this.base(keys.publicKey, attributes);
    cert.setIssuer(this.ca.cert.subject.attributes);
    cert.setExtensions([
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', ...usage },
      ...(altNames.length > 0 ? [{ name: 'subjectAltName', altNames }] : []),
    ]);
    cert.sign(this.ca.key, md.sha256.create());
    return this.files(name, cert, keys.privateKey);
  }

  private base(publicKey: forge.pki.rsa.PublicKey, subject: forge.pki.CertificateField[]): forge.pki.Certificate {
    const cert = pki.createCertificate();
    cert.publicKey = publicKey;
    cert.serialNumber = (this.serial++).toString(16).padStart(2, '0');
    cert.validity.notBefore = new Date(Date.now() - 60_000);
    cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
    cert.setSubject(subject);
    return cert;
  }

  private files(name: string, cert: forge.pki.Certificate, key: forge.pki.rsa.PrivateKey): Issued {
    const certPem = pki.certificateToPem(cert);
    const keyPem = pki.privateKeyToPem(key);
    return { certPem, keyPem, certFile: this.write(`${name}.crt`, certPem), keyFile: this.write(`${name}.key`, keyPem) };
  }
}
