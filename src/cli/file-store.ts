import { randomBytes } from 'node:crypto';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { FileStore } from '../core/ports.js';
import { SsoError } from '../errors.js';
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
      const temp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
      try {
        await writeFile(temp, secrets.redact(text), { mode: 0o644 });
        await rename(temp, target);
      } catch (error) {
        await unlink(temp).catch(() => undefined);
        const code = (error as NodeJS.ErrnoException).code ?? 'error';
        throw new SsoError('FILE_WRITE_FAILED', `cannot write ${target} (${code})`, {
          hint: 'Choose a writable path with --metadata-file (or amplitude.metadataFile in the config file).',
          cause: error,
        });
      }
    },
  };
}
