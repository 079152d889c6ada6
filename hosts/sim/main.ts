/**
 * Simulator app entry: the Host for the Moddable simulator, checked end to end (self-check.ts), on the native
 * crypto provider.
 */
import { createSimHost } from './host';
import { selfCheck } from './self-check';

selfCheck(createSimHost({ logLevel: 'debug' }), 'simulator');
