/**
 * Untrusted text on a terminal. Values users, servers and documents give us may hold control
 * characters (a newline that forges a second message line, ESC sequences that rewrite the screen),
 * bidi overrides (U+202E shows `moc.evil` as `live.com`) and invisible format characters (a BOM, a
 * zero-width space). Every such character is shown as an escape instead: `\n`, `\u202E`. The set is
 * Unicode's: control (Cc), format (Cf), line and paragraph separators (Zl, Zp).
 *
 * Escapes are JSON's (`\n`, `\uXXXX` per UTF-16 unit), so escaping text inside a JSON string
 * literal keeps the document valid and its value unchanged.
 */

const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
/** What the terminal sink lets through: newline, tab, and our own colour codes (SGR: ESC [ … m). */
const TERMINAL_UNSAFE = /\u001b\[[0-9;]*m|[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(char: string): string {
  const short = SHORT[char];
  if (short) return short;
  let out = '';
  for (let i = 0; i < char.length; i++) out += `\\u${char.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')}`;
  return out;
}

/** One line of display text: every control, format and separator character escaped. */
export function escapeUnsafe(text: string): string {
  return text.replace(UNSAFE, escapeOne);
}

/**
 * For everything written to stdout and stderr (src/cli/io.ts): escapes what `escapeUnsafe` does,
 * except the newlines and tabs of our own layout and the SGR colour codes chalk writes.
 */
export function terminalSafe(text: string): string {
  return text.replace(TERMINAL_UNSAFE, (match) => (match === '\n' || match === '\t' || match.startsWith('\u001b[') ? match : escapeOne(match)));
}

/** A value quoted for a message: escaped, and cut to `max` characters (a 10 KB host name is not news). */
export function quoted(value: string, max = 100): string {
  const shown = escapeUnsafe(value.length > max ? value.slice(0, max) : value);
  return `'${shown}${value.length > max ? `…' (${value.length} characters)` : "'"}`;
}

/** The text with its first letter in upper case (a message that starts a sentence). */
export function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
