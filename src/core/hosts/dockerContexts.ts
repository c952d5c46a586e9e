// Docker CLI contexts whose endpoint is ssh://…: what "Add host" offers besides ~/.ssh/config aliases.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface DockerSshContext {
  name: string;
  /** user@host:port parts of the ssh:// URL. */
  user?: string;
  host: string;
  port?: number;
}

export function parseSshUrl(url: string): Omit<DockerSshContext, 'name'> | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'ssh:' || !u.hostname) return undefined;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return {
    host,
    user: u.username ? decodeURIComponent(u.username) : undefined,
    port: u.port ? Number(u.port) : undefined,
  };
}

/** Reads ~/.docker/contexts/meta/<hash>/meta.json files; unreadable ones are skipped. */
export async function dockerSshContexts(dockerConfigDir = path.join(os.homedir(), '.docker')): Promise<DockerSshContext[]> {
  const metaDir = path.join(dockerConfigDir, 'contexts', 'meta');
  let entries: string[];
  try {
    entries = await fs.readdir(metaDir);
  } catch {
    return [];
  }
  const out: DockerSshContext[] = [];
  for (const entry of entries.sort()) {
    try {
      const meta = JSON.parse(await fs.readFile(path.join(metaDir, entry, 'meta.json'), 'utf8')) as {
        Name?: string;
        Endpoints?: { docker?: { Host?: string } };
      };
      const parsed = meta.Endpoints?.docker?.Host ? parseSshUrl(meta.Endpoints.docker.Host) : undefined;
      if (meta.Name && parsed) out.push({ name: meta.Name, ...parsed });
    } catch {
      // A context we cannot read is not one to offer.
    }
  }
  return out;
}
