/*
 * The JVM Delta reference (delta-spark on Spark 3.5, local mode) as a line protocol, for Tributary's
 * interop tests. One process serves every table of a test run.
 *
 * stdin: one JSON request per line. stdout: one JSON answer per line, in order; the first line is
 * {"ready":true}. Spark's own logging goes to stderr.
 *
 *   {"op":"sql","sql":"...","conf":{"k":"v"}}    runs a statement; answer {"ok":true,"rows":[...]}
 *   {"op":"read","path":"/t","version":3}          or "timestamp":"2024-01-01 00:00:00" or neither:
 *       answer {"ok":true,"version":v,"schema":"<schemaString>","minReaderVersion":n,"readerFeatures":[...],"partitionColumns":[...],
 *               "files":["<add.path>",...],"txns":{"appId":"<version>"},"rows":[{...},...]}
 *   {"op":"quit"}
 * A failure answers {"ok":false,"error":"<exception class>: <message>"}.
 *
 * Values in rows are canonical, so both sides can render them alike: integers, longs and
 * timestamps (µs since the epoch, UTC) as decimal strings, decimals as plain strings with their
 * scale ("12.30"), dates as yyyy-MM-dd, floats and doubles as JSON numbers ("NaN", "Infinity",
 * "-Infinity" as strings), binary as "0x" + lower-case hex, structs as objects, arrays as arrays,
 * maps as arrays of [key, value] pairs.
 */
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.Snapshot;
import org.apache.spark.sql.delta.actions.AddFile;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.collection.JavaConverters;

public final class DeltaPeer {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, "UTF-8");
    // Spark and its libraries print to System.out in places: keep stdout for answers only.
    System.setOut(System.err);
    SparkSession spark = SparkSession.builder()
        .master("local[2]")
        .appName("tributary-delta-peer")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.sql.catalogImplementation", "in-memory")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.datetime.java8API.enabled", "true")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.databricks.delta.snapshotPartitions", "1")
        .config("spark.sql.warehouse.dir", System.getProperty("java.io.tmpdir") + "/tributary-delta-peer-warehouse")
        .getOrCreate();
    spark.sparkContext().setLogLevel("ERROR");
    out.println("{\"ready\":true}");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank()) continue;
      ObjectNode answer;
      try {
        JsonNode req = JSON.readTree(line);
        String op = req.path("op").asText();
        if (op.equals("quit")) break;
        answer = switch (op) {
          case "sql" -> sql(spark, req);
          case "read" -> read(spark, req);
          default -> throw new IllegalArgumentException("unknown op " + op);
        };
      } catch (Throwable t) {
        answer = F.objectNode();
        answer.put("ok", false);
        answer.put("error", t.getClass().getName() + ": " + String.valueOf(t.getMessage()));
      }
      out.println(JSON.writeValueAsString(answer));
    }
    spark.stop();
  }

  private static ObjectNode sql(SparkSession spark, JsonNode req) {
    JsonNode conf = req.path("conf");
    for (Iterator<Map.Entry<String, JsonNode>> it = conf.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      spark.conf().set(e.getKey(), e.getValue().asText());
    }
    try {
      Dataset<Row> df = spark.sql(req.path("sql").asText());
      ObjectNode answer = F.objectNode();
      answer.put("ok", true);
      answer.set("rows", rows(df));
      return answer;
    } finally {
      for (Iterator<String> it = conf.fieldNames(); it.hasNext(); ) spark.conf().unset(it.next());
    }
  }

  private static ObjectNode read(SparkSession spark, JsonNode req) {
    String path = req.path("path").asText();
    DeltaLog.clearCache();
    DeltaLog log = DeltaLog.forTable(spark, path);
    Snapshot latest = log.update(log.update$default$1(), log.update$default$2(), log.update$default$3());
    Snapshot snapshot;
    var reader = spark.read().format("delta");
    if (req.has("version")) {
      long v = req.path("version").asLong();
      snapshot = log.getSnapshotAt(v, log.getSnapshotAt$default$2(), scala.Option.empty());
      reader = reader.option("versionAsOf", v);
    } else if (req.has("timestamp")) {
      reader = reader.option("timestampAsOf", req.path("timestamp").asText());
      snapshot = null;
    } else {
      snapshot = latest;
    }
    if (latest.version() < 0) throw new IllegalStateException("not a Delta table: " + path);
    Dataset<Row> df = reader.load(path);
    ObjectNode answer = F.objectNode();
    answer.put("ok", true);
    answer.set("rows", rows(df));
    if (snapshot != null) {
      answer.put("version", snapshot.version());
      answer.put("schema", snapshot.metadata().schemaString());
      answer.put("minReaderVersion", snapshot.protocol().minReaderVersion());
      ArrayNode features = answer.putArray("readerFeatures");
      if (snapshot.protocol().readerFeatures().isDefined()) {
        for (String f : JavaConverters.setAsJavaSet(snapshot.protocol().readerFeatures().get())) features.add(f);
      }
      ArrayNode parts = answer.putArray("partitionColumns");
      for (String c : JavaConverters.seqAsJavaList(snapshot.metadata().partitionColumns())) parts.add(c);
      ArrayNode files = answer.putArray("files");
      List<AddFile> adds = snapshot.allFiles().collectAsList();
      for (AddFile a : adds) files.add(a.path());
      ObjectNode txns = answer.putObject("txns");
      for (Map.Entry<String, Object> e : JavaConverters.mapAsJavaMap(snapshot.transactions()).entrySet()) {
        txns.put(e.getKey(), String.valueOf(e.getValue()));
      }
    }
    return answer;
  }

  private static ArrayNode rows(Dataset<Row> df) {
    StructType schema = df.schema();
    ArrayNode arr = F.arrayNode();
    for (Row r : df.collectAsList()) arr.add(struct(r, schema));
    return arr;
  }

  private static ObjectNode struct(Row r, StructType schema) {
    ObjectNode o = F.objectNode();
    StructField[] fields = schema.fields();
    for (int i = 0; i < fields.length; i++) o.set(fields[i].name(), value(r.isNullAt(i) ? null : r.get(i)));
    return o;
  }

  private static JsonNode value(Object v) {
    if (v == null) return F.nullNode();
    if (v instanceof Boolean b) return F.booleanNode(b);
    if (v instanceof Byte || v instanceof Short || v instanceof Integer || v instanceof Long) return F.textNode(v.toString());
    if (v instanceof Float f) return fp(f.doubleValue());
    if (v instanceof Double d) return fp(d);
    if (v instanceof BigDecimal d) return F.textNode(d.toPlainString());
    if (v instanceof String s) return F.textNode(s);
    if (v instanceof Instant t) return F.textNode(micros(t).toString());
    if (v instanceof LocalDateTime t) return F.textNode(micros(t.toInstant(ZoneOffset.UTC)).toString());
    if (v instanceof LocalDate d) return F.textNode(d.toString());
    if (v instanceof byte[] bytes) {
      StringBuilder sb = new StringBuilder("0x");
      for (byte b : bytes) sb.append(String.format("%02x", b & 0xff));
      return F.textNode(sb.toString());
    }
    if (v instanceof Row row) return struct(row, row.schema());
    if (v instanceof scala.collection.Seq<?> seq) {
      ArrayNode a = F.arrayNode();
      for (Object x : JavaConverters.seqAsJavaList(seq)) a.add(value(x));
      return a;
    }
    if (v instanceof scala.collection.Map<?, ?> map) {
      ArrayNode a = F.arrayNode();
      for (Map.Entry<?, ?> e : JavaConverters.mapAsJavaMap(map).entrySet()) {
        ArrayNode pair = F.arrayNode();
        pair.add(value(e.getKey()));
        pair.add(value(e.getValue()));
        a.add(pair);
      }
      return a;
    }
    throw new IllegalArgumentException("cannot render a value of " + v.getClass().getName());
  }

  private static JsonNode fp(double d) {
    if (Double.isNaN(d)) return F.textNode("NaN");
    if (Double.isInfinite(d)) return F.textNode(d > 0 ? "Infinity" : "-Infinity");
    return F.numberNode(d);
  }

  private static java.math.BigInteger micros(Instant t) {
    return java.math.BigInteger.valueOf(t.getEpochSecond()).multiply(java.math.BigInteger.valueOf(1_000_000L))
        .add(java.math.BigInteger.valueOf(t.getNano() / 1000));
  }
}
