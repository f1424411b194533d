/** Spark 3.5 on Java 17 needs these modules opened (Spark's own launcher passes the same). */
export const SPARK_ADD_OPENS = [
  'java.base/java.lang', 'java.base/java.lang.invoke', 'java.base/java.lang.reflect', 'java.base/java.io', 'java.base/java.net',
  'java.base/java.nio', 'java.base/java.util', 'java.base/java.util.concurrent', 'java.base/java.util.concurrent.atomic',
  'java.base/sun.nio.ch', 'java.base/sun.nio.cs', 'java.base/sun.security.action', 'java.base/sun.util.calendar',
].map((m) => `--add-opens=${m}=ALL-UNNAMED`);
