import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Produces with Kafka's own Java client, transactions included, as the tests script it on stdin.
 *   java TxnProducer <bootstrap> <topic> <transactional id prefix>
 * One command a line; each names a producer. "plain" is a non-transactional producer, any other
 * name a transactional one (transactional.id = <prefix>-<name>, created on first use):
 *   <name> begin                  beginTransaction                       → "ok"
 *   <name> send <partition> <v>   send value <v> (the rest of the line)  → (no answer)
 *   <name> flush                  flush; the sends since the last flush  → "ok <partition>:<first offset> …"
 *   <name> commit                 flush, commitTransaction               → "ok"
 *   <name> abort                  flush (so the records are in the log), abortTransaction → "ok"
 *   quit                          close every producer and exit 0
 * Any failure answers "error <message>" and exits 1.
 */
public final class TxnProducer {
  private static final class Named {
    final KafkaProducer<String, String> producer;
    final List<Future<RecordMetadata>> pending = new ArrayList<>();
    Named(KafkaProducer<String, String> producer) { this.producer = producer; }
  }

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    String topic = args[1];
    String prefix = args[2];
    Map<String, Named> producers = new HashMap<>();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    try {
      for (String line; (line = in.readLine()) != null; ) {
        if (line.equals("quit")) break;
        String[] parts = line.split(" ", 4);
        Named p = producers.get(parts[0]);
        if (p == null) {
          p = new Named(create(bootstrap, parts[0].equals("plain") ? null : prefix + "-" + parts[0]));
          producers.put(parts[0], p);
        }
        switch (parts[1]) {
          case "begin":
            p.producer.beginTransaction();
            answer("ok");
            break;
          case "send":
            p.pending.add(p.producer.send(new ProducerRecord<>(topic, Integer.parseInt(parts[2]), null, parts[3])));
            break;
          case "flush":
            answer("ok" + firstOffsets(p));
            break;
          case "commit":
            firstOffsets(p);
            p.producer.commitTransaction();
            answer("ok");
            break;
          case "abort":
            firstOffsets(p);
            p.producer.abortTransaction();
            answer("ok");
            break;
          default:
            throw new IllegalArgumentException("unknown command: " + line);
        }
      }
      for (Named p : producers.values()) p.producer.close();
    } catch (Exception e) {
      answer("error " + e);
      System.exit(1);
    }
  }

  private static KafkaProducer<String, String> create(String bootstrap, String transactionalId) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    if (transactionalId != null) {
      props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
      props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "120000");
    }
    KafkaProducer<String, String> producer = new KafkaProducer<>(props);
    if (transactionalId != null) producer.initTransactions();
    return producer;
  }

  /** Flushes and waits for the pending sends; " <partition>:<first offset>" for each partition they went to. */
  private static String firstOffsets(Named p) throws Exception {
    p.producer.flush();
    TreeMap<Integer, Long> first = new TreeMap<>();
    for (Future<RecordMetadata> f : p.pending) {
      RecordMetadata m = f.get();
      first.merge(m.partition(), m.offset(), Math::min);
    }
    p.pending.clear();
    StringBuilder out = new StringBuilder();
    for (Map.Entry<Integer, Long> e : first.entrySet()) out.append(' ').append(e.getKey()).append(':').append(e.getValue());
    return out.toString();
  }

  private static void answer(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
