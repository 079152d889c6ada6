/**
 * Security Modes 1 (RPK) and 2 (Certificate) read from the Security Object (the connector's ecdsaCredentials):
 * accepted key encodings (SubjectPublicKeyInfo DER, 04||X||Y, X||Y; PKCS#8, SEC1, raw scalar), refusal of
 * anything else naming the resource, and 0/x/15 reaching the chain check. Keys and certificates made by openssl
 * (test/unit/x509/vectors.ts).
 */
import { assert } from '../../harness/assert';
import { fromHex, toHex } from '../../../modules/bytes/index';
import { nobleCrypto } from '../../../modules/crypto/noble';
import { DataModel } from '../../../modules/lwm2m/data-model';
import { MemoryObjectStore } from '../../../modules/lwm2m/persistence';
import { applyFactoryConfig, type FactoryAccount } from '../../../modules/client/factory';
import { readAccounts } from '../../../modules/client/accounts';
import { ecdsaCredentials } from '../../../modules/client/connector';
import { ClientError } from '../../../modules/client/errors';
import { CertificateType } from '../../../modules/dtls/constants';
import { DtlsAlert } from '../../../modules/dtls/errors';
import { X509Error } from '../../../modules/x509/errors';
import { encodeSpki, parseSpki } from '../../../modules/x509/keys';
import { V } from '../x509/vectors';

function creds(a: Partial<FactoryAccount>, host = 'lwm2m.example.net') {
  const dm = new DataModel({ store: new MemoryObjectStore() });
  applyFactoryConfig(dm, { accounts: [{ uri: `coaps://${host}:5684`, shortServerId: 1, ...a }] });
  const account = readAccounts(dm)[0];
  return ecdsaCredentials(account, dm, host, {}, nobleCrypto);
}
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ClientError) return e.message;
    throw e;
  }
  return 'accepted';
}

describe('connector: Security Modes 1 and 2 from the Security Object', () => {
  const serverPoint = parseSpki(fromHex(V.serverSpki));
  it('Mode 1: every accepted encoding of 0/x/4 and 0/x/5 gives the same keys', () => {
    for (const spk of [fromHex(V.serverSpki), serverPoint, serverPoint.subarray(1)]) {
      for (const secret of [V.clientKeyPkcs8, V.clientKeySec1, V.clientScalar]) {
        const c = creds({ securityMode: 1, serverPublicKey: spk.slice(), secretKey: fromHex(secret) });
        assert.equal(c.type, 'rpk');
        assert.hex(c.privateKey, V.clientScalar);
        assert.hex(c.verifyPeer(CertificateType.RawPublicKey, [fromHex(V.serverSpki)]), toHex(serverPoint));
      }
    }
  });

  it('Mode 1: the server key is pinned (another raw key is refused)', () => {
    const c = creds({ securityMode: 1, serverPublicKey: fromHex(V.serverSpki), secretKey: fromHex(V.clientScalar) });
    assert.throws(() => c.verifyPeer(CertificateType.RawPublicKey, [fromHex(V.clientSpki)]), DtlsAlert);
    assert.throws(() => c.verifyPeer(CertificateType.RawPublicKey, [encodeSpki(nobleCrypto.p256.publicKeyOf(new Uint8Array(32).fill(3)))]), DtlsAlert);
  });

  it('Mode 1: refuses what is not a P-256 key, naming the resource', () => {
    assert.ok(/0\/0\/4.*neither/.test(refusal(() => creds({ securityMode: 1, serverPublicKey: new Uint8Array(40), secretKey: fromHex(V.clientScalar) }))));
    assert.ok(/0\/0\/4.*not P-256|0\/0\/4.*curve/.test(refusal(() => creds({ securityMode: 1, serverPublicKey: fromHex(V.p384Spki), secretKey: fromHex(V.clientScalar) }))));
    assert.ok(/0\/0\/5/.test(refusal(() => creds({ securityMode: 1, serverPublicKey: fromHex(V.serverSpki), secretKey: new Uint8Array(20) }))));
    assert.ok(/0\/0\/5/.test(refusal(() => creds({ securityMode: 1, serverPublicKey: fromHex(V.serverSpki) }))));
    assert.ok(/0\/0\/3/.test(refusal(() => creds({ securityMode: 1, serverPublicKey: fromHex(V.serverSpki), publicKeyOrIdentity: new Uint8Array(33).fill(2), secretKey: fromHex(V.clientScalar) }))));
  });

  it('Mode 2: 0/x/15 (default 3) decides how the chain is checked; the URI host is the one checked', () => {
    // A getter: applyFactoryConfig wipes the secret it wrote.
    const base = { securityMode: 2, publicKeyOrIdentity: fromHex(V.client), get secretKey() {
      return fromHex(V.clientKeyPkcs8);
    } };
    const pinned = creds({ ...base, serverPublicKey: fromHex(V.server) });
    assert.equal(pinned.type, 'x509');
    assert.equal(toHex(pinned.chain![0]), V.client);
    assert.hex(pinned.verifyPeer(CertificateType.X509, [fromHex(V.server)]), toHex(serverPoint));
    assert.throws(() => pinned.verifyPeer(CertificateType.X509, [fromHex(V.cnonly)]), X509Error);
    const anchor = creds({ ...base, serverPublicKey: fromHex(V.ca), certificateUsage: 2 });
    assert.hex(anchor.verifyPeer(CertificateType.X509, [fromHex(V.server)]), toHex(serverPoint));
    const wrongHost = creds({ ...base, serverPublicKey: fromHex(V.ca), certificateUsage: 2 }, 'other.example.net');
    assert.throws(() => wrongHost.verifyPeer(CertificateType.X509, [fromHex(V.server)]), X509Error);
    const noStore = creds({ ...base, serverPublicKey: fromHex(V.ca), certificateUsage: 0 });
    assert.throws(() => noStore.verifyPeer(CertificateType.X509, [fromHex(V.server)]), X509Error);
    assert.ok(/0\/0\/3/.test(refusal(() => creds({ securityMode: 2, serverPublicKey: fromHex(V.server), secretKey: fromHex(V.clientKeyPkcs8) }))));
  });
});
