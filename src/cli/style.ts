/**
 * Colours for human output. A chalk instance whose level follows our own decision (TTY, NO_COLOR,
 * --no-color) rather than chalk's own detection, so tests and pipes get plain text.
 */
import { Chalk, type ChalkInstance } from 'chalk';

export type Style = ChalkInstance;

const cache = new Map<boolean, Style>();

export function style(color: boolean): Style {
  let s = cache.get(color);
  if (!s) {
    s = new Chalk({ level: color ? 1 : 0 });
    cache.set(color, s);
  }
  return s;
}
