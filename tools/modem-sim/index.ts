// tools/modem-sim: a simulated AT modem, a virtual SMSC and a PTY front end (test tooling, Node only).
export { VirtualSmsc, type SmsTerminal, type SmscRecord, type VirtualSmscOptions } from './smsc';
export { SimModem, type SimModemOptions } from './modem';
export { serveOnPty, type PtyModem } from './pty';
