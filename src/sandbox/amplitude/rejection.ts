/**
 * How the emulated Amplitude org says no: an HTTP status plus a stable code. The codes are part of
 * the documented contract (docs/sp-settings-endpoint.md, docs/sandbox-amplitude.md), so clients
 * and tests match on `code`, never on `message`.
 */
export interface Rejection {
  status: number;
  /** Stable UPPER_SNAKE identifier. */
  code: string;
  /** One line: what was wrong and where. */
  message: string;
  /** One line: how to fix it. */
  hint?: string;
}

export function rejection(status: number, code: string, message: string, hint?: string): Rejection {
  return hint === undefined ? { status, code, message } : { status, code, message, hint };
}

/** Thrown inside the pure checkers to stop at the first problem; caught at their boundary. */
export class Rejected extends Error {
  constructor(readonly rejection: Rejection) {
    super(rejection.message);
    this.name = 'Rejected';
  }
}

export function reject(status: number, code: string, message: string, hint?: string): never {
  throw new Rejected(rejection(status, code, message, hint));
}

/** The JSON error body every endpoint of the emulator uses. */
export function errorBody(r: Rejection): { error: { code: string; message: string; hint?: string } } {
  return { error: r.hint === undefined ? { code: r.code, message: r.message } : { code: r.code, message: r.message, hint: r.hint } };
}
