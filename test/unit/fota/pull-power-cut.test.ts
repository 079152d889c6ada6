/**
 * Pull delivery (Package URI, RFC 7959 Block2) torn at every flash operation of the download and its
 * progress records (OMA LwM2M 1.1 Core §E.6: State 1 Downloading survives a reboot and resumes): each
 * write is torn at its first byte, its middle byte and its last byte, each erase once. After each cut
 * the device reboots (a new engine over the same chip) and resumes. Checked every time:
 *  - Object 5 after the reboot reports a pair the spec allows (Idle/0 only when the cut came before the
 *    Package URI write was recorded; otherwise Downloading/0, never a failure result);
 *  - the resume point is a sector boundary and never claims a byte the slot does not hold as the source
 *    has it (compared with the source image, byte by byte, before the resumed engine writes anything);
 *  - the resumed run asks for exactly the blocks from the resume point to the end, contiguous (no hole);
 *    (Downloaded/0 only when the final record was torn in its trailer byte, which the journal completes,
 *    and then the image must be whole);
 *  - the finished slot is byte-identical to the source image and verifies (signature and SHA-256).
 * The number of cases is derived from a traced clean run and asserted, so the sweep cannot shrink.
 */
import { assert } from '../../harness/assert';
import { FwResult, FwState, type BlockReply, type PackageSource } from '../../../modules/fota/index';
import { PowerCut, SimFlash } from '../../../modules/store/sim-flash';
import { SimHost } from '../../harness/sim';
import { META_SECTORS, SECTOR, SLOT_SECTORS, boot, image, layout, mountSlots, program, type Device } from './fixtures';

const URI = 'coap://fw.example.net:5683/fw/app.bin';
const V1 = image(1, 6000);
/** Just under three sectors: 12 blocks of 1024 bytes, two sector checkpoints inside the download. */
const V2 = image(2, 12_000);
const BLOCK = 1024;
const STALE = image(0, 14_000);

/** Serves `img` as Block2 blocks with a fixed ETag, and logs the offsets asked for. */
class ImageSource implements PackageSource {
  readonly asked: number[] = [];
  constructor(private readonly img: Uint8Array) {}
  fetchBlock(_uri: unknown, num: number, szx: number): Promise<BlockReply> {
    const size = 1 << (szx + 4);
    const o = num * size;
    this.asked.push(o);
    const payload = this.img.slice(o, Math.min(this.img.length, o + size));
    return Promise.resolve({ code: 0x45, payload, num, more: o + size < this.img.length, szx, etag: new Uint8Array([0xe7, 0x01]) });
  }
  close(): void {}
}

/** A SimFlash that also says, per operation, whether it hit the journal or a slot (for the clean run's map). */
class MappedFlash extends SimFlash {
  readonly map: { journal: boolean; write: boolean; length: number }[] = [];
  override write(offset: number, data: Uint8Array): void {
    this.map.push({ journal: offset < META_SECTORS * SECTOR, write: true, length: data.length });
    super.write(offset, data);
  }
  override eraseSector(index: number): void {
    this.map.push({ journal: index < META_SECTORS, write: false, length: SECTOR });
    super.eraseSector(index);
  }
}

/** `prefill` journal records written before the download move where the journal's compaction falls. */
function factoryChip(seed: number, prefill = 0): MappedFlash {
  const chip = new MappedFlash((META_SECTORS + 2 * SLOT_SECTORS) * SECTOR, SECTOR, seed);
  program(chip, 0, V1);
  // Slot B still holds an earlier image, as after a previous update: a sector not erased again before
  // it is rewritten, or a half-erased one, then shows as stale bytes (NOR programming only clears bits).
  program(chip, 1, STALE);
  if (prefill > 0) {
    const slots = mountSlots(chip);
    for (let i = 0; i < prefill; i++) slots.putRecord('pad', { i, note: 'an earlier record, superseded' });
  }
  return chip;
}

function bootWith(chip: SimFlash, seed: number): { dev: Device; src: ImageSource } {
  const src = new ImageSource(V2);
  const dev = boot(chip, new SimHost({ seed }), { source: src });
  return { dev, src };
}

/** Starts the pull and runs it to its end; true when the power was cut on the way. */
async function download(dev: Device): Promise<boolean> {
  try {
    dev.fw.writeUri(URI);
    await dev.fw.whenIdle();
    return false;
  } catch (e) {
    if (e instanceof PowerCut) return true;
    throw e;
  }
}

/** Length of the longest prefix of slot B that equals the source image. */
function matchingPrefix(chip: SimFlash): number {
  const got = layout(chip).slots[1].read(0, V2.length);
  let n = 0;
  while (n < V2.length && got[n] === V2[n]) n++;
  return n;
}

function assertFinished(dev: Device, chip: SimFlash, ctx: string): void {
  assert.equal(dev.fw.state, FwState.Downloaded, `${ctx}: download ended in ${dev.fw.state}/${dev.fw.result} (${dev.fw.lastError})`);
  assert.equal(dev.fw.result, FwResult.Initial, `${ctx}: result`);
  const h = dev.slots.verify(1, V2.length); // throws unless signature and SHA-256 hold as read from flash
  assert.equal(h.version, 2, `${ctx}: version`);
  assert.equal(matchingPrefix(chip), V2.length, `${ctx}: slot B is byte-identical to the source image`);
}

type Op = { journal: boolean; write: boolean; length: number };

/** A download without a cut: the map of its flash operations. */
async function cleanRun(prefill: number): Promise<Op[]> {
  const clean = factoryChip(1, prefill);
  const { dev: d0, src: s0 } = bootWith(clean, 2);
  const first = clean.map.length;
  assert.equal(await download(d0), false);
  assertFinished(d0, clean, 'clean run');
  assert.deepEqual(s0.asked, Array.from({ length: Math.ceil(V2.length / BLOCK) }, (_, i) => i * BLOCK), 'clean run fetches every block once');
  return clean.map.slice(first);
}

/** Cuts at every operation of the download; returns the number of cases run. */
async function sweep(prefill: number): Promise<number> {
  const ops = await cleanRun(prefill);
  const slotWrites = ops.filter((o) => !o.journal && o.write).length;
  const slotErases = ops.filter((o) => !o.journal && !o.write).length;
  const journalWrites = ops.filter((o) => o.journal && o.write).length;
  assert.equal(slotWrites, Math.ceil(V2.length / BLOCK), 'one slot write per block');
  assert.equal(slotErases, Math.ceil(V2.length / SECTOR), 'each slot sector erased once');
  // Downloading record, ETag, a checkpoint per sector boundary crossed, Downloaded record.
  assert.ok(journalWrites >= 3 + Math.floor(V2.length / SECTOR), `${journalWrites} journal writes`);
  const firstRecord = ops.findIndex((o) => o.journal && o.write);

  // The cuts: every op; writes at byte 0, the middle and the last byte.
  const cases: { op: number; byte?: number }[] = [];
  ops.forEach((o, op) => {
    if (!o.write) cases.push({ op });
    else for (const byte of [0, o.length >> 1, o.length - 1]) cases.push({ op, byte });
  });
  const writes = ops.filter((o) => o.write).length;
  assert.equal(cases.length, ops.length - writes + 3 * writes);
  // At least: 12 slot writes and 5 journal writes at 3 byte positions each, 3 slot erases.
  assert.ok(cases.length >= 3 * (12 + 5) + 3, `${cases.length} cases`);

  let cuts = 0, idle = 0, resumedMid = 0, downloaded = 0;
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i];
    const ctx = `cut at op ${c.op} (${ops[c.op].journal ? 'journal' : 'slot'} ${ops[c.op].write ? 'write' : 'erase'}) byte ${c.byte ?? '-'}`;
    const chip = factoryChip(i + 10, prefill);
    const { dev } = bootWith(chip, 3);
    chip.armCut({ op: chip.ops + c.op, byte: c.byte });
    assert.equal(await download(dev), true, `${ctx}: the cut fired`);
    cuts++;
    chip.powerOn();
    const durable = matchingPrefix(chip);

    // Reboot: the new engine reconciles in start(); the resumed pull writes nothing before its first fetch resolves.
    const { dev: d2, src } = bootWith(chip, 4);
    const { state, result } = d2.fw;
    assert.equal(result, FwResult.Initial, `${ctx}: Update Result after reboot is ${result}`);
    if (state === FwState.Idle) {
      assert.ok(c.op <= firstRecord, `${ctx}: Idle after the Package URI write was recorded`);
      assert.equal(d2.fw.resumedAt, -1, `${ctx}: Idle but resumed`);
      idle++;
      assert.equal(await download(d2), false, `${ctx}: a new download`);
    } else if (state === FwState.Downloaded) {
      // Only the final record's write torn in its trailer byte: every byte before it is in place, so the
      // journal finishes the record at mount. Downloaded is then claimed, so the image must be whole.
      assert.ok(c.op === ops.length - 1 && c.byte === ops[c.op].length - 1, `${ctx}: Downloaded after a cut before the last record was whole`);
      assert.equal(durable, V2.length, `${ctx}: Downloaded claimed with ${durable} bytes on flash`);
      assert.equal(d2.fw.resumedAt, -1, `${ctx}: Downloaded but resumed`);
      downloaded++;
    } else {
      assert.equal(state, FwState.Downloading, `${ctx}: state after reboot`);
      assert.equal(d2.fw.packageUri, URI, `${ctx}: Package URI kept`);
      const at = d2.fw.resumedAt;
      assert.ok(at >= 0 && at % SECTOR === 0, `${ctx}: resumed at ${at}`);
      assert.ok(at <= durable, `${ctx}: the checkpoint claims ${at} bytes, only ${durable} are on flash as sent`);
      if (at > 0) resumedMid++;
      await d2.fw.whenIdle();
      const want: number[] = [];
      for (let o = at; o < V2.length; o += BLOCK) want.push(o);
      assert.deepEqual(src.asked, want, `${ctx}: the resumed run fetches from ${at} to the end, no hole`);
    }
    assertFinished(d2, chip, ctx);
  }
  assert.equal(cuts, cases.length, 'every case cut the power');
  assert.ok(idle >= 1 && idle < cases.length / 4, `${idle} cases before the first record`);
  assert.equal(downloaded, 1, 'exactly the trailer cut of the Downloaded record comes back Downloaded');
  assert.ok(resumedMid >= cases.length / 2, `${resumedMid} of ${cases.length} cases resumed past the start`);
  const log = (globalThis as { console?: { log(...a: unknown[]): void } }).console;
  const je = ops.filter((o) => o.journal && !o.write).length;
  log?.log(`      pull power-cut sweep (prefill ${prefill}): ${ops.length} flash ops (${je} journal erases), ${cases.length} cases (${idle} before the first record, ${resumedMid} resumed mid-image, ${downloaded} whole record)`);
  return cases.length;
}

describe('fota: pull download torn at every flash operation, resumed after the reboot', function () {
  this.timeout(1_200_000);
  it('resumes from a durable checkpoint only, ends byte-identical and verified, reports legal states', async () => {
    assert.equal(await sweep(0), 54, 'cases: 12 slot writes and 5 journal writes torn at 3 bytes each, 3 slot erases');
  });

  it('the same when the journal compacts in the middle of the download', async () => {
    // The smallest prefill whose download compacts the journal between its first and last slot write.
    let prefill = -1;
    for (let p = 1; p <= 120 && prefill < 0; p++) {
      const ops = await cleanRun(p);
      const slotOps = ops.map((o, i) => (o.journal ? -1 : i)).filter((i) => i >= 0);
      const erase = ops.findIndex((o) => o.journal && !o.write);
      if (erase > slotOps[0] && erase < slotOps[slotOps.length - 1]) prefill = p;
    }
    assert.ok(prefill > 0, 'some prefill makes the journal compact during the download');
    const n = await sweep(prefill);
    assert.ok(n > 54, `${n} cases: the compaction's operations are swept too`);
  });
});
