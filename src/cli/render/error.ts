import type { Context } from '../context.js';
import { EXIT, isSsoError, type ExitCode } from '../../errors.js';
import { scrubCredentials } from '../../secrets.js';
import { escapeUnsafe } from '../../text.js';

/**
 * The one place errors are turned into text (and into the `--json` error document). Messages quote
 * values users, servers and documents gave us; each line is escaped here, so none of them can start
 * a line of its own, move the cursor or reverse the text around it.
 */
export function renderError(ctx: Context, error: unknown, commandPath: string): ExitCode {
  if (isSsoError(error)) {
    if (error.silent) return error.exit;
    const message = oneLine(error.message);
    const list = error.list.map(oneLine);
    const hint = error.hint ?? (error.exit === EXIT.usage ? `Run 'sso-setup${commandPath ? ` ${commandPath}` : ''} --help' for usage.` : undefined);
    if (ctx.output.json) {
      // JSON escapes every control character itself; the list stays part of the message, as before.
      const text = list.length ? `${message}\n  ${list.join('\n  ')}` : message;
      const doc = { error: { code: error.code, message: text, ...(hint ? { hint } : {}), ...(error.details ? { details: error.details } : {}) } };
      ctx.io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    }
    if (error.exit !== EXIT.cancelled || message) {
      const lines = [message, ...list.map((item) => `  ${item}`)].map(escapeUnsafe);
      ctx.io.stderr.write(`${label(ctx, 'error')} ${lines.join('\n')}${hint ? `\n${escapeUnsafe(hint)}` : ''}\n`);
    }
    if (ctx.output.verbose && error.stack) ctx.io.stderr.write(`${stackOf(error)}\n`);
    return error.exit;
  }
  // Anything else is a bug in sso-setup or a library: say so, and show the stack only when asked.
  const message = oneLine(error instanceof Error ? error.message : String(error));
  if (ctx.output.json) {
    ctx.io.stdout.write(`${JSON.stringify({ error: { code: 'UNEXPECTED', message } }, null, 2)}\n`);
  }
  ctx.io.stderr.write(
    `${label(ctx, 'error')} unexpected error: ${escapeUnsafe(message)}\n` +
      (ctx.output.verbose ? `${stackOf(error)}\n` : 'Run again with --verbose for details.\n'),
  );
  return EXIT.failure;
}

/** Credentials scrubbed, surrounding whitespace trimmed; escaping happens as the text is written. */
function oneLine(text: string): string {
  return scrubCredentials(text).trim();
}

function stackOf(error: unknown): string {
  const parts: string[] = [];
  let e: unknown = error;
  for (let depth = 0; e instanceof Error && depth < 5; depth++) {
    parts.push(depth === 0 ? (e.stack ?? e.message) : `Caused by: ${e.stack ?? e.message}`);
    e = (e as Error & { cause?: unknown }).cause;
  }
  return parts.join('\n');
}

function label(ctx: Context, text: string): string {
  return ctx.output.color ? `\u001b[31m${text}:\u001b[39m` : `${text}:`;
}
