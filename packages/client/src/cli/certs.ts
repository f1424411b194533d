/** `tributary certs <dir> [--hosts H,H] [--executors N] [--days D]`: a development CA and the cluster's certificates (certs/dev-certificates.ts). */
import { createDevCertificates } from '../certs/dev-certificates';
import { ParsedArgs, intOption } from './main';

export async function runCertsCommand(args: ParsedArgs): Promise<number> {
  const dir = args.positionals[0];
  if (!dir) throw new Error('usage: tributary certs <dir> [--hosts HOST,IP,...] [--executors N] [--days D]');
  const hosts = ((args.values.hosts as string | undefined) ?? '').split(',').map((h) => h.trim()).filter(Boolean);
  const out = createDevCertificates({ dir, hosts, executors: intOption(args, 'executors', 1), days: intOption(args, 'days', 365) });
  for (const f of out.files) console.log(`wrote ${f}`);
  console.log('Development certificates: keep ca.key away from the cluster, and use a real CA in production (docs/security.md).');
  return 0;
}
