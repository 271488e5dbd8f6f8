import type { Context } from '../context.js';
import { SsoError } from '../../errors.js';
// Placeholder until the metadata checker lands.
export async function runMetadataCheck(_ctx: Context, _source: string, _opts: Record<string, unknown>): Promise<never> {
  throw new SsoError('NOT_IMPLEMENTED', 'metadata check is not built yet');
}
