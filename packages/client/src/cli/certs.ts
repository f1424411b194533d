/**
 * `tributary certs <dir> | --out <dir> [--hosts H,H] [--driver-hosts H,H] [--executor-hosts H,H] [--days D]`:
 * a development CA and the cluster's certificates (certs/dev-certificates.ts). `--hosts` go into
 * both the driver's and the executors' certificate.
 */
import { createDevCertificates } from '../certs/dev-certificates';
import { ParsedArgs, intOption } from './main';

const list = (v: unknown): string[] => (typeof v === 'string' ? v.split(',').map((h) => h.trim()).filter(Boolean) : []);

export async function runCertsCommand(args: ParsedArgs): Promise<number> {
  const dir = (args.values.out as string | undefined) ?? args.positionals[0];
  if (!dir) throw new Error('usage: tributary certs <dir> [--hosts HOST,IP,...] [--driver-hosts ...] [--executor-hosts ...] [--days D]');
  const both = list(args.values.hosts);
  const out = createDevCertificates({
    dir, driverHosts: [...both, ...list(args.values['driver-hosts'])], executorHosts: [...both, ...list(args.values['executor-hosts'])], days: intOption(args, 'days', 365),
  });
  for (const f of out.files) console.log(`wrote ${f}`);
  console.log('Development certificates: keep ca.key away from the cluster, and use a real CA in production (docs/security.md).');
  return 0;
}
