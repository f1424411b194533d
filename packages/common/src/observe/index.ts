/** Observability shared by every process: structured logs (logger.ts) and Prometheus metrics (metrics.ts). */
export { Log, LogFields, LogLevel, LOG_LEVELS, Logger, LoggerOptions, createLogger, silentLogger, parseLogLevel } from './logger';
export { Counter, Gauge, Histogram, MetricsRegistry, MetricsServer, startMetricsServer, DURATION_BUCKETS_SECONDS } from './metrics';
