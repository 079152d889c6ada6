/**
 * Execute arguments (OMA LwM2M 1.1 Core §5.4.5): the payload of an Execute is empty or an argument list
 *   arglist  = argument *( "," argument )
 *   argument = digit [ "=" "'" *argval "'" ]
 *   digit    = %x30-39
 *   argval   = %x21 / %x23-26 / %x28-7E        (printable ASCII without space, '"' and "'")
 * Anything else is answered 4.00 by the data model before an object sees it.
 */

/** One parsed argument: its digit and its value (undefined when the argument has none). */
export interface ExecuteArgument {
  digit: number;
  value: string | undefined;
}

function isArgval(c: number): boolean {
  return c === 0x21 || (c >= 0x23 && c <= 0x26) || (c >= 0x28 && c <= 0x7e);
}

/** The argument list, or null when `text` does not follow the grammar. Linear in the input, no backtracking. */
export function parseExecuteArguments(text: string): ExecuteArgument[] | null {
  const out: ExecuteArgument[] = [];
  if (text.length === 0) return out;
  let i = 0;
  for (;;) {
    const d = text.charCodeAt(i);
    if (!(d >= 0x30 && d <= 0x39)) return null;
    i++;
    let value: string | undefined;
    if (text.charCodeAt(i) === 0x3d) {
      if (text.charCodeAt(i + 1) !== 0x27) return null;
      const start = i + 2;
      let j = start;
      while (j < text.length && isArgval(text.charCodeAt(j))) j++;
      if (text.charCodeAt(j) !== 0x27) return null;
      value = text.slice(start, j);
      i = j + 1;
    }
    out.push({ digit: d - 0x30, value });
    if (i === text.length) return out;
    if (text.charCodeAt(i) !== 0x2c) return null;
    i++;
  }
}
