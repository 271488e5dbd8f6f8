/**
 * Step progress on stderr: an ora spinner per step on an interactive terminal of a known, usable
 * width; plain lines otherwise (not a TTY, CI set, `--json`, or a terminal that reports 0 or only
 * a few columns: see MIN_TERMINAL_COLUMNS). stdout is never touched, so `--json` output stays one
 * document.
 */
import type { Ora } from 'ora';
import type { Progress, ProgressStep } from '../core/ports.js';
import type { Context } from './context.js';
import { onInterrupt } from './interrupt.js';
import { MIN_TERMINAL_COLUMNS } from './io.js';
import { style, type Style } from './style.js';

/** `plain`: one line per finished step even on a terminal (several orgs' steps interleave; one spinner cannot show them). */
export async function createProgress(ctx: Context, opts: { plain?: boolean } = {}): Promise<Progress> {
  const s = style(ctx.output.color);
  const stream = ctx.io.stderrStream;
  const animated = !opts.plain && ctx.io.isStderrTTY && !ctx.io.ci && !ctx.output.json && stream !== undefined && ctx.io.stderrColumns() !== undefined;
  if (!animated) return plainProgress(ctx, s);
  const { default: ora } = await import('ora');
  const terminal = spinnerStream(stream);
  // One spinner at a time: lines printed while it spins (info, warn) go above it.
  let active: Ora | undefined;
  const above = (line: string) => {
    const spinning = active?.isSpinning ? active : undefined;
    spinning?.clear();
    ctx.io.stderr.write(`${line}\n`);
    spinning?.render();
  };
  // The spinner's text stays on one line, so each frame redraws exactly one line.
  const fit = (text: string) => oneLine(ctx.secrets.redact(text), (ctx.io.stderrColumns() ?? MIN_TERMINAL_COLUMNS) - 3);
  return {
    start(title) {
      active?.stop();
      const spinner = ora({ text: fit(title), stream: terminal, color: 'cyan', isEnabled: true, discardStdin: false });
      active = spinner;
      let full = title;
      // Interrupted while spinning: clear the frame, so what follows starts on a clean line.
      const disposeOnInterrupt = onInterrupt(() => spinner.stop());
      spinner.start();
      const finish = (symbol: 'succeed' | 'fail' | 'info', text?: string) => {
        disposeOnInterrupt();
        if (active === spinner) active = undefined;
        // The final line is written once and never redrawn: it keeps its whole text.
        spinner[symbol](ctx.secrets.redact(text ?? full));
      };
      return {
        done: (text) => finish('succeed', text),
        skip: (text) => finish('info', text),
        fail: (text) => finish('fail', text),
        update: (text) => {
          full = text;
          spinner.text = fit(text);
        },
      };
    },
    info: (text) => above(`${s.dim('·')} ${text}`),
    warn: (text) => above(`${s.yellow('!')} ${text}`),
  };
}

/**
 * ora divides by the stream's `columns` to count the lines it must redraw; a terminal that reports
 * 0 (or is resized to 0) made it loop forever. It is never started on such a terminal; this keeps a
 * later resize from doing the same.
 */
function spinnerStream(stream: NodeJS.WritableStream): NodeJS.WritableStream {
  return new Proxy(stream, {
    get(target, key) {
      if (key === 'columns') {
        const columns = (target as { columns?: number }).columns;
        return typeof columns === 'number' && columns >= 1 ? columns : MIN_TERMINAL_COLUMNS;
      }
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** The first line of `text`, cut to `width` characters with an ellipsis. */
function oneLine(text: string, width: number): string {
  const line = text.split('\n', 1)[0]!;
  const chars = [...line];
  return chars.length <= width ? line : `${chars.slice(0, Math.max(1, width - 1)).join('')}…`;
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

/** Progress of one org among several: every line names the org. */
export function orgProgress(progress: Progress, orgId: string): Progress {
  const tag = (text: string) => `[org ${orgId}] ${text}`;
  return {
    start(title) {
      const step = progress.start(tag(title));
      return {
        done: (text) => step.done(text === undefined ? undefined : tag(text)),
        skip: (text) => step.skip(text === undefined ? undefined : tag(text)),
        fail: (text) => step.fail(text === undefined ? undefined : tag(text)),
        update: (text) => step.update(tag(text)),
      };
    },
    info: (text) => progress.info(tag(text)),
    warn: (text) => progress.warn(tag(text)),
  };
}
