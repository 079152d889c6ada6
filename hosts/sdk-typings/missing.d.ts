// Declarations for the Moddable SDK modules the hosts use that @moddable/typings (5.6.0, the npm package this
// repository type-checks against) does not type. Everything else (timer, time, file, flash, instrumentation,
// mc/config, embedded:io/socket/udp, trace) comes from that package. Written from the SDK's sources
// (modules/crypt/digest/crypt.js, crypt/etc/hmac.js, curve.js, ecdsa.js, crypt/arith/ecp.js, and mcconfig's ffi).
// Lacking in @moddable/typings: 'crypt' (no module at all: BlockCipher and Digest), 'hmac', 'curve', 'ecdsa',
// 'ecp', 'mc/ffi', and the ECMA-419 storage modules 'embedded:storage/flash' and 'embedded:update' (the SDK's
// modules/io/flash and modules/io/update, used by hosts/esp32/fota-ota.ts).

declare module 'crypt' {
  export class Digest {
    constructor(type: 'SHA256' | 'SHA1' | 'SHA224' | 'SHA384' | 'SHA512' | 'MD5');
    write(data: ArrayBuffer | string): void;
    close(): ArrayBuffer;
    reset(): void;
    readonly blockSize: number;
    readonly outputSize: number;
  }
  export class BlockCipher {
    constructor(cipher: 'AES' | 'DES' | 'TDES', key: ArrayBuffer);
    encrypt(data: ArrayBuffer, result?: ArrayBuffer): ArrayBuffer;
    decrypt(data: ArrayBuffer, result?: ArrayBuffer): ArrayBuffer;
    readonly keySize: number;
    readonly blockSize: number;
  }
}

declare module 'hmac' {
  import type { Digest } from 'crypt';
  export default class HMAC {
    constructor(h: Digest, key: ArrayBuffer, bitlen?: number);
    process(...items: ArrayBuffer[]): ArrayBuffer;
  }
}

declare module 'ecp' {
  export default class ECPoint {
    constructor(x: bigint, y: bigint);
    readonly X: bigint;
    readonly Y: bigint;
  }
}

declare module 'curve' {
  import type ECPoint from 'ecp';
  export default class Curve {
    constructor(name: 'secp256r1' | 'secp384r1');
    readonly G: ECPoint;
    readonly ec: unknown;
    readonly n: bigint;
    readonly orderSize: number;
    /** x * P (or x * G without P) as 04 || X || Y; P is not validated. */
    dh(x: ArrayBuffer, P?: ArrayBuffer): ArrayBuffer | undefined;
  }
}

declare module 'ecdsa' {
  import type ECPoint from 'ecp';
  export interface EcdsaCurve {
    G: ECPoint;
    ec: unknown;
    n: bigint;
    orderSize: number;
    /** If set, used as the per-signature nonce instead of RNG output. */
    k?: bigint;
  }
  export default class ECDSA {
    constructor(key: bigint | ECPoint, curve: EcdsaCurve);
    sign(H: ArrayBuffer): ArrayBuffer;
    verify(H: ArrayBuffer, sig: ArrayBuffer): boolean;
  }
}

declare module 'mc/ffi' {
  /** The functions of the manifest's "ffi" section, by name. */
  export default class FFI {
    [name: string]: (...args: (number | string | ArrayBuffer | ArrayBufferView)[]) => unknown;
  }
}

declare module 'embedded:storage/flash' {
  export interface FlashPartition {
    close(): void;
    eraseBlock(start: number, end?: number): void;
    read(byteLength: number, byteOffset: number): ArrayBuffer;
    write(buffer: ArrayBuffer | ArrayBufferView, byteOffset: number): void;
    status(): { size: number; blockLength: number };
  }
  const FlashStorage: {
    open(options: { path: string; mode?: 'r' | 'r+' }): FlashPartition;
  };
  export default FlashStorage;
}

declare module 'embedded:update' {
  import type { FlashPartition } from 'embedded:storage/flash';
  export interface UpdateSession {
    write(buffer: ArrayBuffer | ArrayBufferView, byteOffset?: number): void;
    complete(): void;
    close(): void;
  }
  const Update: {
    open(options: { partition?: FlashPartition; mode?: 'w'; byteLength?: number }): UpdateSession;
  };
  export default Update;
}

/** modules/base/debug: a full garbage collection (hosts/sim/memory.ts uses it for live-memory figures). */
declare module 'debug' {
  const Debug: { gc(enable?: boolean): void };
  export default Debug;
}
