/**
 * Step progress on stderr: an ora spinner per step on an interactive terminal, plain lines when
 * stderr is not a TTY or CI is set. stdout is never touched, so `--json` output stays one document.
 */
import type { Progress, ProgressStep } from '../core/ports.js';
import type { Context } from './context.js';
import { style, type Style } from './style.js';

export async function createProgress(ctx: Context): Promise<Progress> {
  const s = style(ctx.output.color);
  const stream = ctx.io.stderrStream;
  const animated = ctx.io.isStderrTTY && !ctx.io.ci && !ctx.output.json && stream !== undefined;
  if (!animated) return plainProgress(ctx, s);
  const { default: ora } = await import('ora');
  return {
    start(title) {
      const spinner = ora({ text: title, stream, color: 'cyan', isEnabled: true, discardStdin: false }).start();
      const finish = (symbol: 'succeed' | 'fail' | 'info', text?: string) => {
        spinner[symbol](ctx.secrets.redact(text ?? spinner.text));
      };
      return {
        done: (text) => finish('succeed', text),
        skip: (text) => finish('info', text),
        fail: (text) => finish('fail', text),
        update: (text) => void (spinner.text = ctx.secrets.redact(text)),
      };
    },
    info: (text) => ctx.io.stderr.write(`${s.dim('·')} ${text}\n`),
    warn: (text) => ctx.io.stderr.write(`${s.yellow('!')} ${text}\n`),
  };
}

function plainProgress(ctx: Context, s: Style): Progress {
  const line = (text: string) => ctx.io.stderr.write(`${text}\n`);
  return {
    start(title): ProgressStep {
      let open = true;
      const end = (mark: string, text: string | undefined) => {
        if (!open) return;
        open = false;
        line(`${mark} ${text ?? title}`);
      };
      return {
        done: (text) => end(s.green('✔'), text),
        skip: (text) => end(s.dim('-'), text),
        fail: (text) => end(s.red('✖'), text ?? `${title}: failed`),
        update: (text) => line(`  ${text}`),
      };
    },
    info: (text) => line(`${s.dim('·')} ${text}`),
    warn: (text) => line(`${s.yellow('!')} ${text}`),
  };
}
