export { setInt64Words, setDecimal128Words } from './int-words';
