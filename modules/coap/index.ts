/** CoAP (RFC 7252, RFC 7959 block-wise, RFC 7641 observe) over any DatagramChannel. */
export * from './errors';
export * from './codes';
export * from './options';
export * from './message';
export * from './block';
export * from './observe';
export { Block1Assembler, Block2Cache } from './blockwise';
export * from './endpoint';
