/** Reads the env file `sandbox --env-file` writes (dotenv: NAME=value, values JSON-quoted when needed). */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n').filter(Boolean)) {
    const i = line.indexOf('=');
    const raw = line.slice(i + 1);
    out[line.slice(0, i)] = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
  }
  return out;
}
