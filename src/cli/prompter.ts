/**
 * Questions to a person, behind a small interface: inquirer's prompts in a terminal (loaded only
 * when a command asks something), and Ctrl-C turned into a cancellation (exit 130) that commands
 * can clean up after.
 */
import { EXIT, SsoError } from '../errors.js';
import { canPrompt } from './io.js';
import type { Context } from './context.js';

export interface Choice<T extends string> {
  value: T;
  name: string;
  description?: string;
}

export interface Prompter {
  confirm(message: string, defaultValue: boolean): Promise<boolean>;
  input(message: string, opts?: { default?: string; validate?: (value: string) => true | string }): Promise<string>;
  /** Hidden input: nothing is echoed, not even one mask character per key (that would tell its length); never stored. */
  secret(message: string, opts?: { validate?: (value: string) => true | string }): Promise<string>;
  select<T extends string>(message: string, choices: Choice<T>[], defaultValue?: T): Promise<T>;
  /** Several of `choices` (space toggles one, Enter accepts); those in `checked` start selected. */
  multiSelect<T extends string>(message: string, choices: Choice<T>[], checked?: readonly T[]): Promise<T[]>;
}

export function cancelled(): SsoError {
  return new SsoError('CANCELLED', 'cancelled', { exit: EXIT.cancelled });
}

export function createPrompter(ctx: Context): Prompter {
  if (!canPrompt(ctx.io)) {
    throw new SsoError('NO_TTY', 'this needs an interactive terminal', { exit: EXIT.usage });
  }
  const context = {
    input: ctx.io.stdin,
    output: ctx.io.stderrStream ?? process.stderr,
    clearPromptOnDone: false,
  };
  const ask = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'ExitPromptError' || name === 'AbortPromptError' || name === 'CancelPromptError') throw cancelled();
      throw error;
    }
  };
  const prompts = () => import('@inquirer/prompts');
  return {
    confirm: async (message, defaultValue) => ask(async () => (await prompts()).confirm({ message, default: defaultValue }, context)),
    input: async (message, opts = {}) =>
      ask(async () =>
        (await prompts()).input(
          {
            message,
            ...(opts.default !== undefined ? { default: opts.default } : {}),
            ...(opts.validate ? { validate: opts.validate } : {}),
          },
          context,
        ),
      ),
    secret: async (message, opts = {}) =>
      ask(async () => {
        // No `mask`: inquirer then shows "[input is masked]" and echoes nothing.
        const value = await (await prompts()).password({ message, ...(opts.validate ? { validate: opts.validate } : {}) }, context);
        ctx.secrets.add(value);
        return value;
      }),
    select: async <T extends string>(message: string, choices: Choice<T>[], defaultValue?: T) =>
      ask(async () =>
        (await prompts()).select<T>(
          { message, choices: choices.map((c) => ({ value: c.value, name: c.name, ...(c.description ? { description: c.description } : {}) })), ...(defaultValue ? { default: defaultValue } : {}) },
          context,
        ),
      ),
    multiSelect: async <T extends string>(message: string, choices: Choice<T>[], checked: readonly T[] = []) =>
      ask(async () =>
        (await prompts()).checkbox<T>(
          {
            message,
            choices: choices.map((c) => ({ value: c.value, name: c.name, checked: checked.includes(c.value), ...(c.description ? { description: c.description } : {}) })),
          },
          context,
        ),
      ),
  };
}
