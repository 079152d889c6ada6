// Minimal declarations of the Moddable SDK modules this host touches, for `tsc` without the SDK.
// Shapes follow the ECMA-419 serial class and the SDK's time/timer/ffi modules as documented; when the
// @moddable/typings package is wired into the type-check, these give way to it.
declare module 'embedded:io/serial' {
  export interface SerialOptions {
    port?: number;
    transmit?: number;
    receive?: number;
    baud: number;
    format?: 'buffer' | 'number';
    flowControl?: 'hardware' | 'none';
    onReadable?: (this: Serial, count: number) => void;
    onWritable?: (this: Serial, count: number) => void;
    onError?: (this: Serial) => void;
  }
  export default class Serial {
    constructor(options: SerialOptions);
    read(count?: number): ArrayBuffer | undefined;
    write(data: ArrayBuffer | ArrayBufferView): void;
    close(): void;
  }
}
declare module 'time' {
  const Time: { readonly ticks: number };
  export default Time;
}
declare module 'timer' {
  type Timer = object;
  const Timer: { set(fn: () => void, ms?: number, interval?: number): Timer; clear(t: Timer): void };
  export default Timer;
}
declare module 'mc/ffi' {
  export default class FFI {
    [name: string]: (...args: unknown[]) => unknown;
  }
}
declare function trace(...args: unknown[]): void;
declare module 'flash' {
  export default class Flash {
    constructor(partition: string);
    readonly blockSize: number;
    readonly byteLength: number;
    read(offset: number, length: number): ArrayBuffer;
    write(offset: number, length: number, data: ArrayBuffer | ArrayBufferView): void;
    erase(block: number): void;
  }
}
declare module 'embedded:io/socket/udp' {
  interface Packet extends ArrayBuffer {
    address: string;
    port: number;
  }
  export default class UDP {
    constructor(options: { port?: number; address?: string; onReadable?: (this: UDP, count: number) => void; onError?: (this: UDP) => void });
    read(): Packet;
    write(data: ArrayBuffer | ArrayBufferView, address: string, port: number): void;
  }
}
