import { randomBytes } from 'node:crypto';
import { lstat, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { FileStore } from '../core/ports.js';
import { EXIT, SsoError } from '../errors.js';
import type { SecretRegistry } from '../secrets.js';

/** Files relative to the working directory; writes are atomic and pass through secret redaction. */
export function createFileStore(cwd: string, secrets: SecretRegistry): FileStore {
  return {
    resolve: (path) => resolve(cwd, path),
    async read(path) {
      try {
        return await readFile(resolve(cwd, path), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async write(path, text) {
      const target = resolve(cwd, path);
      try {
        await writeFileAtomic(target, secrets.redact(text));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'error';
        throw new SsoError('FILE_WRITE_FAILED', `cannot write ${target} (${code})`, {
          hint: 'Choose a writable path with --metadata-file (or amplitude.metadataFile in the config file).',
          cause: error,
        });
      }
    },
  };
}

/**
 * The one way sso-setup writes a file: the text goes to a temporary file next to the target (same
 * directory, so the rename is atomic), under a name nobody can predict and created exclusively (never
 * an existing file or a planted symlink), then replaces the target in one rename. A reader sees the
 * old file or the new one, never half of it; on failure the temporary file is removed.
 */
export async function writeFileAtomic(target: string, text: string, options: { mode?: number } = {}): Promise<void> {
  const temp = temporaryNameFor(target);
  try {
    await writeFile(temp, text, { mode: options.mode ?? 0o644, flag: 'wx' });
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/**
 * Fails with OUTPUT_UNWRITABLE (a usage error, exit 2) unless `target` can be written, before the
 * command does anything: the path is not a directory, and its directory exists and takes a new
 * file (probed by creating and removing a temporary file there). Writes nothing that stays.
 * `what` names where the path came from, e.g. `--junit`.
 */
export async function checkWritable(target: string, what: string): Promise<void> {
  const fail = (reason: string, hint: string): never => {
    throw new SsoError('OUTPUT_UNWRITABLE', `cannot write ${target} (${what}): ${reason}`, { exit: EXIT.usage, hint });
  };
  const existing = await lstat(target).catch(() => undefined);
  if (existing?.isDirectory()) fail('it is a directory', `Give a file path, e.g. ${resolve(target, 'report.xml')}.`);
  const directory = dirname(target);
  const folder = await lstat(directory).catch((error: NodeJS.ErrnoException) => error);
  if (folder instanceof Error) {
    if (folder.code === 'ENOENT') fail(`the directory ${directory} does not exist`, 'Create the directory first, or choose another path.');
    fail(`the directory ${directory} cannot be read (${folder.code ?? 'error'})`, 'Choose another path.');
  } else if (!folder.isDirectory()) {
    fail(`${directory} is not a directory`, 'Choose another path.');
  }
  const probe = temporaryNameFor(target);
  try {
    await writeFile(probe, '', { flag: 'wx' });
  } catch (error) {
    fail(`the directory ${directory} does not take new files (${(error as NodeJS.ErrnoException).code ?? 'error'})`, 'Choose a writable directory, or fix its permissions.');
  }
  await unlink(probe).catch(() => undefined);
}

function temporaryNameFor(target: string): string {
  return resolve(dirname(target), `.${basename(target)}.${randomBytes(8).toString('hex')}.tmp`);
}
