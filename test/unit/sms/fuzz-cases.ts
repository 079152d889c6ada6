// Shared by test/unit/sms/fuzz.test.ts (Node and XS) and test/fuzz/sms.ts (long runs).
import type { Prng } from '../../harness/sim';
import { equalBytes, fromHex } from '../../../modules/bytes/index';
import { nobleCrypto as crypto } from '../../../modules/crypto/noble';
import { SecuredPacketError, SmsFormatError } from '../../../modules/sms/errors';
import { decodePdu, decodeTpdu } from '../../../modules/sms/tpdu';
import { decodeUdh, findConcat, hasPacketIdentifier } from '../../../modules/sms/udh';
import { Reassembler } from '../../../modules/sms/concat';
import { decodeCommandPacket, decodeResponsePacket, encodeCommandPacket } from '../../../modules/sms/secured-packet';
import { SmsSecurityPolicy } from '../../../modules/sms/policy';
import { parseNumber } from '../../../modules/sms/address';
import { MemoryCounters } from './memory-counters';

const SEEDS = {
  tpdu: ['0791447758100650400c9144770009103200f500000000000000060270000102ff', '079144775810065051050c9144770009103200f500060270000102ff',
    '00' + '0607' + '0c91447700091032' + '62112201509540' + '62112201510040' + '46' + '07' + '7d' + 'f5' + '02aabb'],
  udh: ['0700034202017000ffff', '06080412340302', '0270000102'],
};
const AES = { kic: fromHex('000102030405060708090a0b0c0d0e0f'), kid: fromHex('101112131415161718191a1b1c1d1e1f') };

function mutate(prng: Prng, base: Uint8Array): Uint8Array {
  let x: Uint8Array = base.slice();
  const ops = 1 + prng.int(4);
  for (let i = 0; i < ops; i++) {
    const k = prng.int(5);
    if (k === 0 && x.length) x[prng.int(x.length)] ^= 1 << prng.int(8);
    else if (k === 1 && x.length) x[prng.int(x.length)] = prng.int(256);
    else if (k === 2) x = x.subarray(0, prng.int(x.length + 1));
    else if (k === 3) x = Uint8Array.from([...x, ...prng.bytes(prng.int(8))]);
    else x = prng.bytes(prng.int(200));
  }
  return x;
}

export type FuzzTarget = 'tpdu' | 'udh' | 'reassembly' | 'secured-packet' | 'policy';

/**
 * `accepted`: inputs a decoder took; `rejected`: inputs refused with the module's typed error. A secured
 * packet that was changed in any byte and still decodes, or passes the policy, is a forgery: `unexpected`.
 */
export function fuzzSms(target: FuzzTarget, prng: Prng, cases: number): { cases: number; accepted: number; rejected: number; unexpected: string | null } {
  const typed = (e: unknown) => e instanceof SmsFormatError || e instanceof SecuredPacketError;
  const packet = encodeCommandPacket({ spi: 0x1621, kic: 0x12, kid: 0x12, tar: fromHex('bfff00'), counter: 1n }, prng.bytes(40), AES, crypto);
  const policy = new SmsSecurityPolicy({ keyParameters: fromHex('1212 1621 bfff00'), secretKeys: fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'), serverNumber: '+447700900123', counters: new MemoryCounters(), crypto });
  let now = 0;
  let accepted = 0;
  let rejected = 0;
  const reassembler = new Reassembler(() => now);
  for (let i = 0; i < cases; i++) {
    try {
      if (target === 'tpdu') {
        const x = mutate(prng, fromHex(prng.pick(SEEDS.tpdu)));
        if (prng.int(2)) decodePdu(x, prng.int(2) ? 'mt' : 'mo');
        else decodeTpdu(x);
      } else if (target === 'udh') {
        const h = decodeUdh(mutate(prng, fromHex(prng.pick(SEEDS.udh))));
        findConcat(h.udh);
        hasPacketIdentifier(h.udh, 0x70);
      } else if (target === 'reassembly') {
        const h = decodeUdh(mutate(prng, fromHex(prng.pick(SEEDS.udh))));
        const c = findConcat(h.udh);
        if (c) reassembler.add(prng.pick(['a', 'b', 'c']), c, h.udh, prng.bytes(prng.int(140)));
        now += prng.int(20000);
        if (reassembler.pending > 4 || reassembler.bufferedOctets > 4096) return { cases: i, accepted, rejected, unexpected: 'reassembly caps exceeded' };
      } else if (target === 'secured-packet') {
        const x = mutate(prng, packet);
        if (prng.int(2)) {
          decodeCommandPacket(x, AES, crypto);
          if (!equalBytes(x, packet)) return { cases: i, accepted, rejected, unexpected: 'a changed command packet decoded (its CC did not catch it)' };
        } else decodeResponsePacket(x, 0x1639, 0x12, 0x12, AES, crypto);
      } else {
        const x = mutate(prng, packet);
        const r = policy.open(x, parseNumber('+447700900123'));
        // an identity mutation (same byte written back, truncation at full length) may pass once
        if (r.ok && !equalBytes(x, packet)) return { cases: i, accepted, rejected, unexpected: 'a mutated packet was accepted' };
        if (!r.ok) {
          rejected++;
          continue;
        }
      }
      accepted++;
    } catch (e) {
      if (!typed(e)) return { cases: i, accepted, rejected, unexpected: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
      rejected++;
    }
  }
  return { cases, accepted, rejected, unexpected: null };
}
