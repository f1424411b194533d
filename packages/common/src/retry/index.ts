export { RetryPolicy, DEFAULT_RETRY_POLICY, retryWithBackoff } from './retry';
