import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FetchLike } from '../../src/http/client.js';
import { closeSharedDispatcher } from '../../src/http/agent.js';
import { downloadDocument } from '../../src/http/download.js';
import { EXIT, SsoError } from '../../src/errors.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const servers: Server[] = [];

async function serve(handler: Handler, host = '127.0.0.1'): Promise<{ url: string; port: number; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    handler(req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://${host}:${port}`, port, hits };
}

afterEach(async () => {
  await closeSharedDispatcher();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

async function failure(promise: Promise<unknown>): Promise<SsoError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SsoError) return error;
    throw error;
  }
  throw new Error('expected the download to fail');
}

const OPTIONS = { maxBytes: 1024, timeoutMs: 2000 };

describe('downloadDocument', () => {
  it('downloads over plain http from a loopback host, with an Accept header', async () => {
    let accept: string | undefined;
    const s = await serve((req, res) => {
      accept = req.headers.accept;
      res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' }).end('<EntityDescriptor/>');
    });
    const doc = await downloadDocument(`${s.url}/samlp/metadata/abc`, OPTIONS);
    expect(Buffer.from(doc.bytes).toString()).toBe('<EntityDescriptor/>');
    expect(doc.contentType).toBe('application/samlmetadata+xml');
    expect(doc.finalUrl).toBe(`${s.url}/samlp/metadata/abc`);
    expect(accept).toContain('application/samlmetadata+xml');
  });

  it('follows up to three redirects on the same host', async () => {
    const s = await serve((req, res) => {
      const n = Number(req.url!.slice(1));
      if (n < 3) res.writeHead(302, { location: `/${n + 1}` }).end();
      else res.writeHead(200).end('done');
    });
    const doc = await downloadDocument(`${s.url}/0`, OPTIONS);
    expect(Buffer.from(doc.bytes).toString()).toBe('done');
    expect(doc.finalUrl).toBe(`${s.url}/3`);
    expect(s.hits).toEqual(['/0', '/1', '/2', '/3']);
  });

  it('stops after three redirects', async () => {
    const s = await serve((req, res) => res.writeHead(301, { location: `${req.url}x` }).end());
    const e = await failure(downloadDocument(`${s.url}/`, OPTIONS));
    expect(e.code).toBe('REDIRECT_LIMIT');
    expect(s.hits).toHaveLength(4);
  });

  it.each(['localhost', '127.0.0.2'])('refuses a redirect to another host (%s), without contacting it', async (other) => {
    const target = await serve((_req, res) => res.writeHead(200).end('should not be fetched'), other === 'localhost' ? '127.0.0.1' : other);
    const s = await serve((_req, res) => res.writeHead(302, { location: `http://${other}:${target.port}/metadata` }).end());
    const e = await failure(downloadDocument(`${s.url}/`, OPTIONS));
    expect(e.code).toBe('REDIRECT_OFF_HOST');
    expect(e.message).toContain(`another host (${other}:${target.port})`);
    expect(target.hits).toEqual([]);
  });

  it('times out on a server that never answers', async () => {
    const s = await serve(() => undefined);
    const started = Date.now();
    const e = await failure(downloadDocument(`${s.url}/`, { ...OPTIONS, timeoutMs: 300 }));
    expect(e.code).toBe('DOWNLOAD_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('times out on a body that stalls', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200);
      res.write('<Entity');
    });
    expect((await failure(downloadDocument(`${s.url}/`, { ...OPTIONS, timeoutMs: 300 }))).code).toBe('DOWNLOAD_TIMEOUT');
  });

  it('enforces the size cap while streaming an endless body', async () => {
    let written = 0;
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/xml' });
      const chunk = Buffer.alloc(512, 'a');
      const pump = () => {
        while (!res.destroyed && written < 50 * 1024 * 1024 && res.write(chunk)) written += chunk.length;
        if (!res.destroyed && written < 50 * 1024 * 1024) res.once('drain', pump);
      };
      pump();
    });
    const e = await failure(downloadDocument(`${s.url}/`, OPTIONS));
    expect(e.code).toBe('DOWNLOAD_TOO_LARGE');
    expect(written).toBeLessThan(10 * 1024 * 1024);
  });

  it('refuses a declared Content-Length over the cap before reading the body', async () => {
    const s = await serve((_req, res) => res.writeHead(200, { 'content-length': '5000' }).end('x'.repeat(5000)));
    expect((await failure(downloadDocument(`${s.url}/`, OPTIONS))).code).toBe('DOWNLOAD_TOO_LARGE');
  });

  it('reports an HTTP error status', async () => {
    const s = await serve((_req, res) => res.writeHead(404).end('{"error":"not found"}'));
    const e = await failure(downloadDocument(`${s.url}/samlp/metadata/nope`, OPTIONS));
    expect(e.code).toBe('DOWNLOAD_HTTP_STATUS');
    expect(e.message).toContain('HTTP 404');
    expect(e.exit).toBe(EXIT.failure);
  });

  it('reports a refused connection', async () => {
    const s = await serve(() => undefined);
    const closed = servers.pop()!;
    await new Promise((resolve) => closed.close(resolve));
    const e = await failure(downloadDocument(`${s.url}/`, OPTIONS));
    expect(e.code).toBe('DOWNLOAD_FAILED');
    expect(e.message).toContain('connection refused');
  });

  it.each([
    ['http://example.com/metadata', 'URL_INSECURE'],
    ['http://10.0.0.1/metadata', 'URL_INSECURE'],
    ['ftp://example.com/metadata', 'URL_INVALID'],
    ['https://user:pw@example.com/metadata', 'URL_INVALID'],
    ['not a url', 'URL_INVALID'],
  ])('refuses %s as a usage error before any connection', async (url, code) => {
    let dispatched = 0;
    const recorder = (async () => {
      dispatched += 1;
      return new Response('');
    }) as FetchLike;
    const e = await failure(downloadDocument(url, { ...OPTIONS, fetch: recorder }));
    expect(e.code).toBe(code);
    expect(e.exit).toBe(EXIT.usage);
    expect(dispatched).toBe(0);
  });
});
