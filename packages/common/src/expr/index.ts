export { resolveCall } from './function-catalog';
