// The part of node-dtls-client's API that bench/dtls.bench.ts uses, so the tree type-checks before
// `npm run bench` has installed the package into bench/node_modules (see bench/package.json).
declare module 'node-dtls-client' {
  import type { EventEmitter } from 'node:events';
  export namespace dtls {
    interface Options {
      type: 'udp4' | 'udp6';
      address: string;
      port: number;
      psk: Record<string, string>;
      timeout?: number;
      ciphers?: string[];
    }
    interface Socket extends EventEmitter {
      send(data: Buffer, callback?: (err: Error | null, bytes: number) => void): void;
      close(): void;
    }
    function createSocket(options: Options): Socket;
  }
}
