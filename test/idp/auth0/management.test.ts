/**
 * The Auth0 adapter's errors say where to look: a refused token points at where the client ID and
 * secret came from (a prompt, a flag, a file, the environment), and a domain that does not exist is
 * reported at once, by name, instead of being retried as if it were a passing failure.
 */
import { createHttpClient, type FetchLike } from '../../../src/http/client.js';
import { closeSharedDispatcher } from '../../../src/http/agent.js';
import { createAuth0Admin, type Auth0Connection } from '../../../src/idp/auth0/management.js';
import { probeTenant } from '../../../src/idp/auth0/tenant-probe.js';
import { SsoError } from '../../../src/errors.js';
import { SecretRegistry } from '../../../src/secrets.js';
import { useSandbox } from '../../helpers/sandbox.js';

const sandbox = useSandbox();
afterAll(() => closeSharedDispatcher());
// The adapter starts loading the SDK's two entry points at once; jest's ESM loader (unlike Node's)
// can fail such concurrent first imports of shared modules, so load them once, one after the other.
beforeAll(async () => {
  await import('auth0/clients');
  await import('auth0/keys/signing');
});

async function refusal(conn: Auth0Connection, http: FetchLike = createHttpClient({ maxAttempts: 1 })): Promise<SsoError> {
  const error = await createAuth0Admin(conn, http, new SecretRegistry()).connect().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SsoError);
  return error as SsoError;
}

describe('a refused token: the hint names where the credentials came from', () => {
  const wrong = () => {
    const sb = sandbox();
    return { domain: sb.auth0.domain, baseUrl: sb.auth0.baseUrl, clientId: sb.auth0.management.clientId, clientSecret: 'not-the-secret-1234' };
  };

  it.each([
    [{ clientId: 'prompt', clientSecret: 'prompt' }, 'Check the client ID and secret you entered against Auth0 > Applications'],
    [{ clientId: 'env AUTH0_CLIENT_ID', clientSecret: 'env AUTH0_CLIENT_SECRET' }, 'Check the client ID (env AUTH0_CLIENT_ID) and the client secret (env AUTH0_CLIENT_SECRET) against'],
    [{ clientId: 'sso-setup.json auth0.clientId', clientSecret: 'stdin' }, 'Check the client ID (sso-setup.json auth0.clientId) and the client secret (stdin) against'],
  ])('from %j', async (origins, hint) => {
    const error = await refusal({ ...wrong(), origins });
    expect(error.code).toBe('AUTH0_BAD_CREDENTIALS');
    expect(error.hint).toContain(hint);
  });

  it('never names variables that were not where the values came from', async () => {
    const error = await refusal({ ...wrong(), origins: { clientId: 'prompt', clientSecret: 'prompt' } });
    expect(error.hint).not.toContain('AUTH0_CLIENT');
  });
});

describe('a domain that does not exist', () => {
  /** undici's fetch reports a failed lookup as TypeError('fetch failed') caused by getaddrinfo's error. */
  function noSuchHost(): { http: FetchLike; calls: () => number } {
    let calls = 0;
    const http = createHttpClient({
      sleep: async () => undefined,
      fetchImpl: async (input) => {
        calls++;
        const host = new URL(String(input)).hostname;
        throw new TypeError('fetch failed', { cause: Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND', hostname: host }) });
      },
    });
    return { http, calls: () => calls };
  }

  it('is a configuration error naming the domain and where it came from, after one attempt', async () => {
    const { http, calls } = noSuchHost();
    const conn = { domain: 'acme.us.auht0.com', baseUrl: 'https://acme.us.auht0.com', clientId: 'id', clientSecret: 'secret', origins: { domain: 'env AUTH0_DOMAIN' } };
    const error = await refusal(conn, http);
    expect(calls()).toBe(1);
    expect(error).toMatchObject({ code: 'AUTH0_DOMAIN_NOT_FOUND', exit: 2 });
    expect(error.message).toBe('the Auth0 domain acme.us.auht0.com does not exist (DNS: no such host)');
    expect(error.hint).toContain('Check the Auth0 domain (env AUTH0_DOMAIN) for a typo');
  });

  it("init's tenant check says so at once too", async () => {
    const { http, calls } = noSuchHost();
    expect(await probeTenant('https://acme.us.auht0.com', http)).toEqual({ ok: false, reason: 'acme.us.auht0.com does not exist (DNS: no such host); check it for a typo' });
    expect(calls()).toBe(1);
  });
});
