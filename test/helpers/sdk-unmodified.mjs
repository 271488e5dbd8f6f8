// Auth0's official SDK exactly as a user writes it: a ManagementClient with just the domain and the
// client credentials, no fetch, no baseUrl. Run as a child process by test/cli/tls.test.ts with
// NODE_EXTRA_CA_CERTS (read at start-up only) pointing at the sandbox's CA. Prints one JSON line.
import { ManagementClient, Management } from 'auth0';

const { AUTH0_DOMAIN: domain, AUTH0_CLIENT_ID: clientId, AUTH0_CLIENT_SECRET: clientSecret } = process.env;
const management = new ManagementClient({ domain, clientId, clientSecret });

const created = await management.clients.create({ name: 'SDK over TLS', callbacks: ['https://sp.example/acs'], addons: { samlp: {} } });
const listed = [];
for await (const c of await management.clients.list({ per_page: 2 })) listed.push(c.client_id);
const keys = await management.keys.signing.list();
const refused = await management.clients.create({ name: 'bad', callbacks: ['not a url'] }).catch((e) => e);
const missing = await management.clients.get('no-such-client').catch((e) => e);

console.log(
  JSON.stringify({
    created: created.client_id,
    listed,
    keys: keys.map((k) => ({ current: Boolean(k.current), next: Boolean(k.next) })),
    refused: { badRequest: refused instanceof Management.BadRequestError, statusCode: refused.statusCode, body: refused.body },
    missing: { notFound: missing instanceof Management.NotFoundError, statusCode: missing.statusCode },
  }),
);
