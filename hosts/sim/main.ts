/**
 * Simulator app entry: the Host for the Moddable simulator, checked end to end.
 * './globals' comes first: @noble/curves needs a TextEncoder global while it loads.
 */
import './globals';
import { createSimHost } from './host';
import { selfCheck } from './self-check';

selfCheck(createSimHost({ logLevel: 'debug' }), 'simulator');
