/**
 * The `kafka.`-prefixed options of the Kafka source. Spark hands every `kafka.*` option to its Kafka
 * consumer; Tributary reads with clients of its own, so it accepts only the options those clients
 * honour and refuses every other one by name at submit: nothing is accepted and then ignored.
 *
 *   kafka.bootstrap.servers   the brokers (KafkaSourceSpec.bootstrapServers)
 *   kafka.isolation.level     read_uncommitted (default, as Kafka's consumer) or read_committed:
 *                             Fetch with isolation_level 1, records of aborted transactions and
 *                             control batches skipped, and batches planned no further than the last
 *                             stable offset. Recorded in each batch's plan, so a replay reads alike.
 *
 * Security (Spark's names where Spark has them; PEM files by librdkafka's names instead of JKS):
 *   kafka.security.protocol         PLAINTEXT (default), SSL, SASL_PLAINTEXT or SASL_SSL
 *   kafka.sasl.mechanism            PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (SASL_* only; no default)
 *   kafka.sasl.jaas.config          PlainLoginModule / ScramLoginModule `required username="…";`:
 *                                   the user name; a password in it is refused (see below)
 *   kafka.sasl.username             the user name, instead of a JAAS config
 *   kafka.sasl.password.file        a file holding the password (one line), read by the driver at
 *                                   each start of the query (executors get what it read)
 *   kafka.ssl.ca.location           PEM CA file the broker's certificate must chain to (SSL, SASL_SSL;
 *                                   the system's CAs when absent); the host name or IP is verified
 *   kafka.ssl.certificate.location  PEM client certificate and
 *   kafka.ssl.key.location          its unencrypted PEM key, for brokers that ask for one
 * Secrets never stand in an option: the options are part of the spec, which the driver saves in its
 * state directory to resume the query, so a password there would be written in clear. A JAAS config
 * with a password, and Spark's JKS trust/key store options, are refused at submit naming the
 * options to use instead.
 *
 * In the spec the prefix is removed: KafkaSourceSpec.kafkaOptions = { 'isolation.level': … }.
 */
import type { KafkaSourceSpec } from './query-spec';

export type IsolationLevel = 'read_uncommitted' | 'read_committed';
export const ISOLATION_LEVELS: readonly IsolationLevel[] = ['read_uncommitted', 'read_committed'];
export const DEFAULT_ISOLATION_LEVEL: IsolationLevel = 'read_uncommitted';

export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
export const SECURITY_PROTOCOLS: readonly SecurityProtocol[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];
export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
export const SASL_MECHANISMS: readonly SaslMechanism[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];

/** The security options (full names). */
const SECURITY_OPTIONS: readonly string[] = [
  'kafka.security.protocol', 'kafka.sasl.mechanism', 'kafka.sasl.jaas.config', 'kafka.sasl.username', 'kafka.sasl.password.file',
  'kafka.ssl.ca.location', 'kafka.ssl.certificate.location', 'kafka.ssl.key.location',
];

/** Every `kafka.*` option the source accepts. */
export const SUPPORTED_KAFKA_OPTIONS: readonly string[] = ['kafka.bootstrap.servers', 'kafka.isolation.level', ...SECURITY_OPTIONS];

const PEM_INSTEAD = 'Tributary reads PEM files, not JKS stores: give kafka.ssl.ca.location (and kafka.ssl.certificate.location with kafka.ssl.key.location for a client certificate)';

/** Why a `kafka.*` option is refused, for the ones a Spark user is likely to set; others get the general answer. */
const REFUSED_KAFKA_OPTIONS: Record<string, string> = {
  'kafka.group.id': 'Tributary tracks offsets in its checkpoint, not in a consumer group',
  'kafka.ssl.truststore.location': PEM_INSTEAD,
  'kafka.ssl.truststore.password': PEM_INSTEAD,
  'kafka.ssl.truststore.type': PEM_INSTEAD,
  'kafka.ssl.keystore.location': PEM_INSTEAD,
  'kafka.ssl.keystore.password': PEM_INSTEAD,
  'kafka.ssl.keystore.type': PEM_INSTEAD,
  'kafka.ssl.key.password': 'encrypted keys are not read: give an unencrypted PEM key in kafka.ssl.key.location, readable only by Tributary',
  'kafka.sasl.password': 'a password in the options would be stored in clear in the checkpoint: put it in a file named by kafka.sasl.password.file',
};

/** What the security options ask for, before any file is read. */
export interface KafkaSecuritySettings {
  protocol: SecurityProtocol;
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  sasl?: { mechanism: SaslMechanism; username: string; passwordFile: string };
}

const LOGIN_MODULES: Record<string, SaslMechanism[]> = {
  'org.apache.kafka.common.security.plain.PlainLoginModule': ['PLAIN'],
  'org.apache.kafka.common.security.scram.ScramLoginModule': ['SCRAM-SHA-256', 'SCRAM-SHA-512'],
};

/**
 * A JAAS configuration of one login module, as Kafka clients take it:
 *   <module class> required [key=value | key="quoted \" value"]… ;
 * Returns the module and its options, or a problem.
 */
export function parseJaasConfig(text: string): { module: string; options: Record<string, string> } | string {
  const head = /^\s*([\w.$]+)\s+(required|requisite|sufficient|optional)\b/.exec(text);
  if (head === null) return 'kafka.sasl.jaas.config must read `<LoginModule class> required key="value" …;`';
  const options: Record<string, string> = {};
  const rest = text.slice(head[0].length);
  const pair = /\s*([\w.]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;"]+))/y;
  let pos = 0;
  for (;;) {
    pair.lastIndex = pos;
    const m = pair.exec(rest);
    if (m === null) break;
    options[m[1]] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
    pos = pair.lastIndex;
  }
  if (!/^\s*;\s*$/.test(rest.slice(pos))) return 'kafka.sasl.jaas.config must end with `;` after its key="value" options';
  return { module: head[1], options };
}

/**
 * The security settings of valid options, or the first problem. `options` are prefix-less, as in
 * KafkaSourceSpec.kafkaOptions.
 */
export function kafkaSecuritySettings(options: Readonly<Record<string, unknown>>): KafkaSecuritySettings | string {
  const get = (k: string): string | undefined => (typeof options[k] === 'string' ? (options[k] as string) : undefined);
  const protocol = (get('security.protocol') ?? 'PLAINTEXT').toUpperCase() as SecurityProtocol;
  if (!SECURITY_PROTOCOLS.includes(protocol)) {
    return `kafka.security.protocol must be one of ${SECURITY_PROTOCOLS.join(', ')}, got ${JSON.stringify(options['security.protocol'])}`;
  }
  const withTls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const withSasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
  const present = (prefix: string) => Object.keys(options).filter((k) => k.startsWith(prefix)).map((k) => `kafka.${k}`);
  if (!withTls && present('ssl.').length > 0) return `${present('ssl.').join(', ')} need kafka.security.protocol SSL or SASL_SSL (it is ${protocol})`;
  if (!withSasl && present('sasl.').length > 0) return `${present('sasl.').join(', ')} need kafka.security.protocol SASL_PLAINTEXT or SASL_SSL (it is ${protocol})`;
  const settings: KafkaSecuritySettings = { protocol };
  if (withTls) {
    const certFile = get('ssl.certificate.location');
    const keyFile = get('ssl.key.location');
    if ((certFile === undefined) !== (keyFile === undefined)) return 'kafka.ssl.certificate.location and kafka.ssl.key.location go together';
    settings.tls = { caFile: get('ssl.ca.location'), certFile, keyFile };
  }
  if (withSasl) {
    const mechanism = get('sasl.mechanism')?.toUpperCase() as SaslMechanism | undefined;
    if (mechanism === undefined || !SASL_MECHANISMS.includes(mechanism)) {
      return `kafka.sasl.mechanism must be one of ${SASL_MECHANISMS.join(', ')} with ${protocol}, got ${JSON.stringify(options['sasl.mechanism'])}`;
    }
    let username = get('sasl.username');
    const jaasText = get('sasl.jaas.config');
    if (jaasText !== undefined) {
      const jaas = parseJaasConfig(jaasText);
      if (typeof jaas === 'string') return jaas;
      const modules = LOGIN_MODULES[jaas.module];
      if (modules === undefined || !modules.includes(mechanism)) {
        return `kafka.sasl.jaas.config names ${jaas.module}, which does not do ${mechanism}`;
      }
      if (jaas.options.password !== undefined) {
        return 'kafka.sasl.jaas.config holds a password, which would be stored in clear in the checkpoint: leave it out and put the password in a file named by kafka.sasl.password.file';
      }
      if (jaas.options.username !== undefined) {
        if (username !== undefined && username !== jaas.options.username) return 'kafka.sasl.username and the username of kafka.sasl.jaas.config differ';
        username = jaas.options.username;
      }
    }
    if (username === undefined || username === '') return `SASL ${mechanism} needs a user name: kafka.sasl.jaas.config with username="…", or kafka.sasl.username`;
    const passwordFile = get('sasl.password.file');
    if (passwordFile === undefined || passwordFile === '') return `SASL ${mechanism} needs kafka.sasl.password.file, a file holding the password`;
    settings.sasl = { mechanism, username, passwordFile };
  }
  return settings;
}

/** The problem of one `kafka.`-prefixed option (full name), or null when it is supported and its value valid. */
export function kafkaOptionProblem(name: string, value: unknown): string | null {
  if (name === 'kafka.isolation.level') {
    return typeof value === 'string' && (ISOLATION_LEVELS as readonly string[]).includes(value)
      ? null
      : `kafka.isolation.level must be 'read_uncommitted' or 'read_committed', got ${JSON.stringify(value)}`;
  }
  if (name === 'kafka.bootstrap.servers') return null;
  if (SECURITY_OPTIONS.includes(name)) {
    return typeof value === 'string' ? null : `${name} must be a string, got ${JSON.stringify(value)}`;
  }
  const supported = `supported kafka.* options: ${SUPPORTED_KAFKA_OPTIONS.join(', ')}`;
  const reason = REFUSED_KAFKA_OPTIONS[name];
  if (reason !== undefined) return `kafka source option '${name}' is not supported: ${reason}; ${supported}`;
  return `kafka source option '${name}' is not supported: Tributary reads Kafka with its own clients, which do not honour it; ${supported}`;
}

/** Problems of a spec's `kafkaOptions` (prefix removed); the spec may come from the wire. */
export function kafkaOptionsProblems(options: unknown): string[] {
  if (options === undefined) return [];
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    return [`kafkaOptions must be an object of kafka.* option values, got ${JSON.stringify(options)}`];
  }
  const problems: string[] = [];
  for (const [key, value] of Object.entries(options)) {
    const name = `kafka.${key}`;
    // The brokers have a field of their own; a second copy here would be one more place to read them from.
    const problem = name === 'kafka.bootstrap.servers'
      ? "kafka.bootstrap.servers belongs in the source's bootstrapServers, not in kafkaOptions"
      : kafkaOptionProblem(name, value);
    if (problem !== null) problems.push(problem);
  }
  if (problems.length === 0) {
    const security = kafkaSecuritySettings(options as Record<string, unknown>);
    if (typeof security === 'string') problems.push(security);
  }
  return problems;
}

/** The isolation level a valid source asks for. */
export function isolationLevelOf(source: Pick<KafkaSourceSpec, 'kafkaOptions'>): IsolationLevel {
  return (source.kafkaOptions?.['isolation.level'] as IsolationLevel | undefined) ?? DEFAULT_ISOLATION_LEVEL;
}
