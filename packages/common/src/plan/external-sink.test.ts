import { strict as assert } from 'node:assert';
import { publishedSinkDescription } from './external-sink';

describe('publishedSinkDescription', () => {
  it('names the topic and brokers of a Kafka sink, or says each row carries its topic', () => {
    assert.equal(publishedSinkDescription({ format: 'kafka', kafka: { bootstrapServers: 'k1:9092,k2:9092', topic: 'alerts' } }), 'Kafka (topic alerts, brokers k1:9092,k2:9092)');
    assert.equal(publishedSinkDescription({ format: 'kafka', kafka: { bootstrapServers: 'k1:9092' } }), "Kafka (each row's topic column, brokers k1:9092)");
  });

  it("shows a webhook's origin and path, never its query string or credentials", () => {
    const d = publishedSinkDescription({ format: 'webhook', webhook: { url: 'https://user:secret@hooks.example.com/alerts/in?token=s3cret' } });
    assert.equal(d, 'a webhook (https://hooks.example.com/alerts/in)');
  });

  it('is null for a Delta sink', () => {
    assert.equal(publishedSinkDescription({ format: 'delta' }), null);
    assert.equal(publishedSinkDescription({}), null);
  });
});
