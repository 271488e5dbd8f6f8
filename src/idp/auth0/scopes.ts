/**
 * Management API scopes sso-setup needs, per operation (from each endpoint's documented scopes,
 * reference/auth0-api.md §1), and how to grant them.
 */
export const SCOPES = {
  readClients: 'read:clients',
  createClients: 'create:clients',
  updateClients: 'update:clients',
  deleteClients: 'delete:clients',
  readSigningKeys: 'read:signing_keys',
  /** Listing connections and which applications they serve (`GET /connections`, `GET /clients/{id}/connections`). */
  readConnections: 'read:connections',
  /** Turning an application on or off on a connection (`PATCH /connections/{id}/clients`). */
  updateConnections: 'update:connections',
  /** Rotation needs both (POST /keys/signing/rotate). */
  createSigningKeys: 'create:signing_keys',
  updateSigningKeys: 'update:signing_keys',
} as const;

/** How to grant Management API scopes in the dashboard. */
export function grantHint(scopes: string[]): string {
  return `Grant ${scopes.join(', ')}: Auth0 Dashboard > Applications > APIs > Auth0 Management API > Machine to Machine Applications > (your application) > tick the scopes > Update.`;
}
