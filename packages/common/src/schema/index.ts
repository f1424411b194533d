export * from './sql-type';
