/**
 * Globals that @noble/* expect and a Moddable runtime does not provide. Import this module before
 * anything from xs-lwm2m: @noble/curves calls `new TextEncoder()` while its module is evaluated.
 * modules/ itself never relies on these (it has its own UTF-8 codec).
 */
import TextEncoder from 'text/encoder';
import TextDecoder from 'text/decoder';

const g = globalThis as Record<string, unknown>;
g.TextEncoder ??= TextEncoder;
g.TextDecoder ??= TextDecoder;
