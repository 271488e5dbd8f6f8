/** A throw-away local HTTP server for a test file (jest hooks), for pages and flows no emulator serves. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export function useLocalServer(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>): () => { port: number; origin: string } {
  let server: Server | undefined;
  let port = 0;
  beforeAll(async () => {
    server = createServer((req, res) => void handler(req, res));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
  });
  return () => ({ port, origin: `http://127.0.0.1:${port}` });
}

/** An `application/x-www-form-urlencoded` request body. */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return new URLSearchParams(text);
}
