import { DataStreamReader } from './reader';
import type { QuerySubmitter } from './submitter';
import { invalid } from './unsupported';
import { optionText, type OptionValue } from './options';
import { StreamingQueryManager } from './query-listeners';
import type { DataFrame } from './dataframe';
import { runSql, type SqlOptions, type ViewCatalog } from '../sql/sql-statements';

export const DEFAULT_MASTER = 'tributary://127.0.0.1:7077';

/** Session configuration keys Tributary understands; others are refused rather than silently ignored. */
export const SESSION_CONFIG_KEYS = [
  'spark.sql.shuffle.partitions',
  'spark.sql.streaming.checkpointLocation',
  'spark.sql.session.timeZone',
];

export type SubmitterFactory = (master: string) => QuerySubmitter;
let submitterFactory: SubmitterFactory | undefined;

/**
 * The entry point, as SparkSession: builder().appName(…).master('tributary://host:port').getOrCreate().
 * A session holds configuration and the QuerySubmitter its queries are started with: the one given
 * to the builder, else one made by the factory registered with setSubmitterFactory for its master.
 */
export class TributarySession {
  /** Temp views by lower-case name (createOrReplaceTempView, CREATE TEMP VIEW). */
  private readonly views: ViewCatalog = new Map();

  private constructor(
    readonly appName: string,
    readonly master: string,
    readonly conf: ReadonlyMap<string, string>,
    private readonly givenSubmitter: QuerySubmitter | undefined,
  ) {}

  static builder(): SessionBuilder {
    return new SessionBuilder((appName, master, conf, submitter) => new TributarySession(appName, master, conf, submitter));
  }

  /** Registers how sessions without an explicit submitter reach their master (the CLI registers gRPC). */
  static setSubmitterFactory(factory: SubmitterFactory | undefined): void {
    submitterFactory = factory;
  }

  private queryManager: StreamingQueryManager | undefined;

  /** The session's query listeners (spark.streams.addListener), over the submitter's event stream. */
  get streams(): StreamingQueryManager {
    this.queryManager ??= new StreamingQueryManager(() => this.submitter());
    return this.queryManager;
  }

  get readStream(): DataStreamReader {
    return new DataStreamReader(this);
  }

  /**
   * Runs Spark SQL: CREATE [OR REPLACE] TEMP VIEW name AS SELECT … statements and a final SELECT,
   * separated by ';' (sql/sql-statements.ts). Resolves to the last statement's streaming DataFrame
   * (the last view's when the text ends with CREATE TEMP VIEW), ready for writeStream. Asynchronous
   * because the Spark SQL grammar is loaded on first use. Syntax errors and unsupported constructs
   * are refused with their line and column.
   */
  sql(text: string, options: SqlOptions = {}): Promise<DataFrame> {
    return runSql(this, this.views, text, options);
  }

  /** The temp view `name` (case-insensitive), as Spark's spark.table. */
  table(name: string): DataFrame {
    const view = this.views.get(String(name).toLowerCase());
    if (view === undefined) throw invalid(`[TABLE_OR_VIEW_NOT_FOUND] The table or view \`${name}\` cannot be found.`);
    return view;
  }

  /** @internal: DataFrame.createOrReplaceTempView / createTempView. */
  registerView(name: string, df: DataFrame, replace: boolean): void {
    if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw invalid(`a temp view needs a name of letters, digits and _, got ${String(name)}`);
    if (!replace && this.views.has(name.toLowerCase())) {
      throw invalid(`[TEMP_TABLE_OR_VIEW_ALREADY_EXISTS] Cannot create the temporary view \`${name}\` because it already exists.`);
    }
    this.views.set(name.toLowerCase(), df);
  }

  /** Drops a temp view; true when there was one (as spark.catalog.dropTempView). */
  dropTempView(name: string): boolean {
    return this.views.delete(String(name).toLowerCase());
  }

  submitter(): QuerySubmitter {
    if (this.givenSubmitter !== undefined) return this.givenSubmitter;
    if (submitterFactory !== undefined) return submitterFactory(this.master);
    throw invalid(`no query submitter for master '${this.master}': give one with builder().submitter(…) or register one with TributarySession.setSubmitterFactory`);
  }
}

type MakeSession = (appName: string, master: string, conf: ReadonlyMap<string, string>, submitter: QuerySubmitter | undefined) => TributarySession;

export class SessionBuilder {
  private name = 'tributary';
  private url = DEFAULT_MASTER;
  private readonly conf = new Map<string, string>();
  private querySubmitter: QuerySubmitter | undefined;

  constructor(private readonly make: MakeSession) {}

  appName(name: string): this {
    this.name = name;
    return this;
  }

  /** 'tributary://host:port', the driver's client endpoint. */
  master(url: string): this {
    if (!/^tributary:\/\/[^\s:/]+:\d{1,5}$/.test(url)) throw invalid(`master '${url}' is not tributary://host:port`);
    this.url = url;
    return this;
  }

  config(key: string, value: OptionValue): this {
    if (!SESSION_CONFIG_KEYS.includes(key)) throw invalid(`config '${key}' is not supported; known keys: ${SESSION_CONFIG_KEYS.join(', ')}`);
    this.conf.set(key, optionText(value));
    return this;
  }

  submitter(submitter: QuerySubmitter): this {
    this.querySubmitter = submitter;
    return this;
  }

  /** A new session with this configuration (one per call: sessions hold no resources). */
  getOrCreate(): TributarySession {
    return this.make(this.name, this.url, new Map(this.conf), this.querySubmitter);
  }
}
