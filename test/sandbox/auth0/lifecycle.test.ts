/**
 * Starting and stopping the emulated tenant: fresh credentials on every start, the shapes of the
 * handles the CLI's `sandbox` command prints, and a prompt close() despite keep-alive clients.
 */
import { request as httpRequest, Agent } from 'node:http';
import { startAuth0Emulator } from '../../../src/sandbox/auth0/index.js';

test('every start is a fresh tenant with Auth0-shaped credentials', async () => {
  const [a, b] = await Promise.all([startAuth0Emulator(), startAuth0Emulator()]);
  try {
    for (const emu of [a, b]) {
      expect(emu.domain).toBe(`127.0.0.1:${emu.port}`);
      expect(emu.baseUrl).toBe(`http://127.0.0.1:${emu.port}`);
      expect(emu.management.clientId).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(emu.management.clientSecret).toMatch(/^[A-Za-z0-9_-]{64}$/);
      expect(emu.management.scopes).toEqual([
        'read:clients', 'create:clients', 'update:clients', 'delete:clients', 'read:signing_keys', 'create:signing_keys', 'update:signing_keys',
        'read:connections', 'update:connections',
      ]);
      expect(emu.user).toMatchObject({ email: 'ada@sandbox.example', givenName: 'Ada', familyName: 'Lovelace' });
      expect(emu.user.userId).toMatch(/^auth0\|[0-9a-f]{24}$/);
      expect(emu.user.password.length).toBeGreaterThanOrEqual(16);
      const m2m = emu.tenant.getClient(emu.management.clientId)!;
      expect(m2m).toMatchObject({ app_type: 'non_interactive', grant_types: ['client_credentials'], client_secret: emu.management.clientSecret });
    }
    expect(a.port).not.toBe(b.port);
    expect(a.management.clientSecret).not.toBe(b.management.clientSecret);
    expect(a.user.password).not.toBe(b.user.password);
    expect(a.tenant.signingKeys()[0]!.thumbprint).not.toBe(b.tenant.signingKeys()[0]!.thumbprint);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('close() ends keep-alive connections at once and frees the port', async () => {
  const emu = await startAuth0Emulator();
  const agent = new Agent({ keepAlive: true });
  const status = await new Promise<number>((resolve, reject) => {
    httpRequest(`${emu.baseUrl}/pem`, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });
  expect(status).toBe(200);
  const t0 = Date.now();
  await emu.close();
  expect(Date.now() - t0).toBeLessThan(1000);
  await expect(fetch(`${emu.baseUrl}/pem`)).rejects.toThrow();
  agent.destroy();
});
