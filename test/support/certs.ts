// Test certificates generated in-process with node-forge: a CA, a server
// certificate for localhost/127.0.0.1 and client certificates, written the way
// Crossplane mounts them (tls.crt, tls.key, ca.crt). Used by the server tests,
// the load and secrets tests and the benchmark.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import forge from "node-forge";

export interface Issued {
  cert: forge.pki.Certificate;
  keys: forge.pki.rsa.KeyPair;
  certPem: string;
  keyPem: string;
}

let serial = 1;

/**
 * Issues a certificate signed by `issuer` (self-signed when undefined). RSA
 * 2048: slow in pure JS, so issue few.
 */
export function issue(
  cn: string,
  issuer: Issued | undefined,
  kind: "ca" | "server" | "client",
): Issued {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = (serial++).toString(16).padStart(2, "0");
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
  const subject = [{ name: "commonName", value: cn }];
  cert.setSubject(subject);
  cert.setIssuer(issuer ? issuer.cert.subject.attributes : subject);
  const exts: Record<string, unknown>[] = [{ name: "basicConstraints", cA: kind === "ca" }];
  if (kind === "ca") {
    exts.push({ name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true });
  } else {
    exts.push({ name: "keyUsage", digitalSignature: true, keyEncipherment: true });
    exts.push({
      name: "extKeyUsage",
      serverAuth: kind === "server",
      clientAuth: kind === "client",
    });
  }
  if (kind === "server") {
    exts.push({
      name: "subjectAltName",
      altNames: [
        { type: 2, value: "localhost" },
        { type: 7, ip: "127.0.0.1" },
      ],
    });
  }
  exts.push({ name: "subjectKeyIdentifier" });
  cert.setExtensions(exts);
  cert.sign((issuer ?? { keys }).keys.privateKey, forge.md.sha256.create());
  return {
    cert,
    keys,
    certPem: forge.pki.certificateToPem(cert),
    keyPem: forge.pki.privateKeyToPem(keys.privateKey),
  };
}

export interface TestPKI {
  ca: Issued;
  server: Issued;
  client: Issued;
  /** Directory holding tls.crt, tls.key and ca.crt for `--tls-server-certs-dir`. */
  serverDir: string;
}

/**
 * A CA, a server certificate written to `<dir>/server` and a client certificate from the same CA.
 */
export function writeServerCerts(dir: string): TestPKI {
  const ca = issue("crossvdc test CA", undefined, "ca");
  const server = issue("localhost", ca, "server");
  const client = issue("crossplane", ca, "client");
  const serverDir = join(dir, "server");
  mkdirSync(serverDir, { recursive: true });
  writeFileSync(join(serverDir, "tls.crt"), server.certPem);
  writeFileSync(join(serverDir, "tls.key"), server.keyPem);
  writeFileSync(join(serverDir, "ca.crt"), ca.certPem);
  return { ca, server, client, serverDir };
}
