import { EXIT } from '../errors.js';
import type { Context } from './context.js';

/**
 * Runs a step that changes things (apply, destroy). Ctrl-C stops it at once, as it always would,
 * but first says what to do next: every run converges, so the answer is "run it again".
 */
export async function withInterruptNotice<T>(ctx: Context, resume: string, fn: () => Promise<T>): Promise<T> {
  const onSignal = (signal: NodeJS.Signals) => {
    ctx.io.stderr.write(`\n${signal}: stopped. Nothing is left that a re-run does not repair: ${resume}\n`);
    process.exit(EXIT.cancelled);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await fn();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
