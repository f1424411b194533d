import assert from 'node:assert/strict';
import { rolesInAltNames } from './tls';

describe('certificate roles', () => {
  it('are the URI subject alternative names tributary:<role>, known roles only', () => {
    assert.deepEqual(rolesInAltNames('URI:tributary:executor, DNS:localhost, IP Address:127.0.0.1'), ['executor']);
    assert.deepEqual(rolesInAltNames('DNS:tributary:executor, URI:tributary:client, URI:tributary:driver'), ['client', 'driver']);
    assert.deepEqual(rolesInAltNames('URI:tributary:admin, URI:https://tributary:executor, URI:tributary:executorx'), []);
    assert.deepEqual(rolesInAltNames(undefined), []);
  });
});
